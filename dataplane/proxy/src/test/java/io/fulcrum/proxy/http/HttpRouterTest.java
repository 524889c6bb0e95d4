package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class HttpRouterTest
{
    private final BackendSet web = new BackendSet();
    private final BackendSet api = new BackendSet();
    private final BackendSet images = new BackendSet();
    private final BackendSet fallback = new BackendSet();
    private final HttpRouter router = new HttpRouter(List.of(
        new HttpRoute(null, "/", web),
        new HttpRoute(null, "/images", images),
        new HttpRoute("API.example.com", "/", api),
        new HttpRoute("api.example.com", "/images/", images)), fallback);

    @Test
    void hostWithoutPortAndCaseThenTheLongestPrefix()
    {
        assertSame(api, router.route("api.example.com", "/v1/users"));
        assertSame(api, router.route("Api.Example.Com:8443", "/v1"));
        assertSame(api, router.route("api.example.com.", "/v1"));
        assertSame(images, router.route("api.example.com", "/images/cat.png"));
        assertSame(api, router.route("api.example.com", "/images"), "'/images/' is longer than the path");
    }

    @Test
    void anyHostRoutesTakeWhatNoHostRouteMatches()
    {
        assertSame(web, router.route("www.example.com", "/index.html"));
        assertSame(images, router.route("www.example.com", "/images?size=2"));
        assertSame(web, router.route(null, "/"));
        assertSame(images, router.route("[::1]:8080", "/images/x"));
    }

    @Test
    void theDefaultTakesTheRest()
    {
        final HttpRouter hostOnly = new HttpRouter(List.of(new HttpRoute("a.example", "/", api)), fallback);
        assertSame(fallback, hostOnly.route("b.example", "/"));
        assertSame(fallback, hostOnly.route(null, "/"));
        assertSame(fallback, new HttpRouter(List.of(), fallback).route("a.example", "/"));
        assertSame(fallback, router.route("www.example.com", "*"), "OPTIONS * has no path");
    }

    @Test
    void hostNames()
    {
        assertEquals("example.com", HttpRouter.hostName("Example.COM:80"));
        assertEquals("[2001:db8::1]", HttpRouter.hostName("[2001:DB8::1]:443"));
        assertEquals("192.0.2.1", HttpRouter.hostName("192.0.2.1"));
    }
}
