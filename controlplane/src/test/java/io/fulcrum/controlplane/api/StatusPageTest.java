package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status page as a person sees it: rendered by headless Chromium from a real server. */
class StatusPageTest
{
    private final ApiServerFixture api = new ApiServerFixture();
    private HeadlessChromium chromium;

    @TempDir
    Path directory;

    @BeforeEach
    void needsChromium()
    {
        chromium = new HeadlessChromium(SystemRequirements.requireProgram("chromium", "renders the status page"));
        api.appliance.letTrafficFlow();
    }

    @AfterEach
    void stop()
    {
        api.close();
    }

    private String page(final String token)
    {
        return api.url() + "/#token=" + token;
    }

    /** The cells of the table row whose second cell is the backend's address, as text. */
    private static List<String> backendRow(final String dom, final String address)
    {
        final Matcher row = Pattern.compile("<tr><td>[^<]*</td><td>" + Pattern.quote(address) + "</td>(.*?)</tr>")
            .matcher(dom);
        assertTrue(row.find(), "no row for " + address + " in " + dom);
        return Pattern.compile("<td[^>]*>(?:<span[^>]*>)?([^<]*)").matcher(row.group(1)).results()
            .map(cell -> cell.group(1)).toList();
    }

    /** What the page's message box says (empty when it is hidden): the script's own text does not count. */
    private static String message(final String dom)
    {
        final Matcher box = Pattern.compile("<div id=\"message\"([^>]*)>(.*?)</div>").matcher(dom);
        assertTrue(box.find(), dom);
        return box.group(1).contains("display: none") ? "" : box.group(2);
    }

    @Test
    void thePageShowsServicesBackendsTheirStatesAndVrrp() throws IOException, InterruptedException
    {
        final String dom = chromium.dumpDom(page(ApiServerFixture.TOKEN));

        for (final String shown : new String[] {"web", "dns", "192.0.2.10:80/tcp", "[2001:db8::10]:53/udp", "10.0.0.1",
            "10.0.0.2", "10.0.0.3", "2001:db8::53", "vi_1", "version 0.1.0-test", "af_xdp"})
        {
            assertTrue(dom.contains(shown), shown + " missing from " + dom);
        }
        // weight, health, admin, effective, packets/s, new flows/s, last check
        final List<String> up = backendRow(dom, "10.0.0.1");
        assertEquals(List.of("100", "up", "enabled", "active"), up.subList(0, 4));
        assertTrue(up.get(4).matches("[0-9.]+k?") && !up.get(4).equals("0"), "a rate, from two readings: " + up);
        assertEquals(List.of("100", "down", "enabled", "down", "0"), backendRow(dom, "10.0.0.2").subList(0, 5));
        assertEquals(List.of("100", "up", "draining", "draining"), backendRow(dom, "10.0.0.3").subList(0, 4));
        // the proxy's columns: open connections, requests/s, peak-EWMA latency, p99 from the histogram, passive health
        assertEquals("≤ 2.5 ms", up.get(9), "99 in 100 answered within 2.5 ms: " + up);
        assertEquals("—", up.get(10), up.toString());
        assertEquals("ejected", backendRow(dom, "10.0.0.2").get(10));
        assertEquals("unchecked", backendRow(dom, "2001:db8::53").get(1));
        assertTrue(dom.contains("<span class=\"badge s-master\">master</span>"), dom);
        assertTrue(dom.contains("1 of 3"), "web has one active backend of three: " + dom);
        assertEquals("", message(dom));
    }

    @Test
    void theTokenLeavesTheAddressBarAndIsSentAsABearerHeader() throws IOException, InterruptedException
    {
        final String dom = chromium.dumpDom(page(ApiServerFixture.TOKEN));

        assertFalse(dom.contains(ApiServerFixture.TOKEN), "the token must not be in the page");
        assertTrue(api.appliance.calls().contains("backends"), "the page read the API with the token");
    }

    @Test
    void aWrongTokenShowsUnauthorizedAndNoData() throws IOException, InterruptedException
    {
        final String dom = chromium.dumpDom(page("wrong-token"));

        assertTrue(message(dom).startsWith("unauthorized: the token was refused"), dom);
        assertFalse(dom.contains("10.0.0.1"), dom);
        assertEquals(List.of(), api.appliance.calls());
    }

    @Test
    void aScreenshotOfThePageIsAPictureWithContent() throws IOException, InterruptedException
    {
        final Path png = directory.resolve("status.png");

        chromium.screenshot(page(ApiServerFixture.TOKEN), png);

        assertTrue(Files.exists(png), "no screenshot");
        final byte[] bytes = Files.readAllBytes(png);
        assertEquals((byte)0x89, bytes[0]);
        assertEquals("PNG", new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(bytes.length > 20_000, "a blank 1200x800 page compresses to a few kB; this is " + bytes.length);
        final String keep = System.getenv("FULCRUM_KEEP_SCREENSHOT");
        if (keep != null)
        {
            Files.copy(png, Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
