package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;
import java.io.PrintWriter;

import com.fasterxml.jackson.databind.JsonNode;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.cli.ExitCodes;
import picocli.CommandLine.Command;

/** {@code fulcrum ctl status}: the appliance, its VRRP instances, then a table of services (a second request). */
@Command(name = "status", description = "The appliance, its VRRP state and its services.")
public final class StatusCommand extends CtlAction
{
    @Override
    ApiClient.Response send(final ApiClient client) throws IOException
    {
        return client.get("/api/v1/status");
    }

    @Override
    int print(final ApiClient client, final JsonNode status, final PrintWriter out, final PrintWriter err)
        throws IOException, CtlFailure
    {
        out.printf("fulcrum %s, up %s, %s, %d worker%s, configuration %s%n", status.path("version").asText(),
            uptime(status.path("uptimeSeconds").asLong()), status.path("packetIo").asText(),
            status.path("workers").asInt(), status.path("workers").asInt() == 1 ? "" : "s",
            status.path("configFile").asText());
        final TextTable vrrp = new TextTable("VRRP INSTANCE", "VRID", "STATE", "PRIORITY");
        for (final JsonNode instance : status.path("vrrp"))
        {
            vrrp.row(instance.path("instance").asText(), instance.path("vrid").asText(),
                instance.path("state").asText(), instance.path("priority").asText());
        }
        out.println();
        if (vrrp.isEmpty())
        {
            out.println("VRRP: not configured");
        }
        else
        {
            vrrp.print(out);
        }
        final ApiClient.Response response = client.get("/api/v1/services");
        judge(response);
        final TextTable services = new TextTable("SERVICE", "ENDPOINT", "MODE", "SCHEDULER", "POOL", "BACKENDS ACTIVE",
            "PACKETS", "BYTES", "NEW FLOWS", "PROXIED");
        for (final JsonNode service : mapper.readTree(response.body()))
        {
            int active = 0;
            for (final JsonNode backend : service.path("backends"))
            {
                active += backend.path("effective").asText().equals("active") ? 1 : 0;
            }
            services.row(service.path("name").asText(),
                endpoint(service.path("vip").asText(), service.path("port").asInt(),
                    service.path("protocol").asText()),
                mode(service), service.path("scheduler").asText(), service.path("pool").asText(),
                active + " of " + service.path("backends").size(), service.path("packets").asText(),
                service.path("bytes").asText(), service.path("newFlows").asText(), proxied(service.path("proxy")));
        }
        out.println();
        services.print(out);
        return ExitCodes.OK;
    }

    /** dsr with its encapsulation (the packet data plane's), or the proxy's mode. */
    private static String mode(final JsonNode service)
    {
        final String mode = service.path("mode").asText("dsr");
        return mode.equals("dsr") ? "dsr " + service.path("forwarding").asText() : mode;
    }

    /** What a proxied service took in: http requests, tcp connections or udp sessions; "-" for dsr. */
    private static String proxied(final JsonNode proxy)
    {
        for (final String name : new String[] {"requests", "accepted", "sessions"})
        {
            if (proxy.has(name))
            {
                return proxy.path(name).asText() + " " + (name.equals("accepted") ? "connections" : name);
            }
        }
        return "-";
    }

    private static String endpoint(final String vip, final int port, final String protocol)
    {
        return (vip.indexOf(':') >= 0 ? "[" + vip + "]" : vip) + ":" + port + "/" + protocol;
    }

    private static String uptime(final long seconds)
    {
        final long days = seconds / 86_400;
        final long hours = seconds % 86_400 / 3_600;
        final long minutes = seconds % 3_600 / 60;
        return (days > 0 ? days + "d " : "") + (days > 0 || hours > 0 ? hours + "h " : "") + minutes + "m "
            + seconds % 60 + "s";
    }
}
