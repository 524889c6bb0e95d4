package io.fulcrum.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwardedHeadersTest
{
    @Test
    void ipv6ClientIsBracketedAndQuotedInForwarded() throws Exception
    {
        final HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("Forwarded", "for=192.0.2.60;proto=https");

        ForwardedHeaders.append(headers, InetAddress.getByName("2001:db8::17"), "example.com");

        assertEquals("for=192.0.2.60;proto=https, for=\"[2001:db8:0:0:0:0:0:17]\";proto=http;host=example.com",
            headers.get("Forwarded"));
        assertEquals("2001:db8:0:0:0:0:0:17", headers.get("X-Forwarded-For"));
    }

    @Test
    void severalXForwardedForLinesBecomeOneList() throws Exception
    {
        final HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("X-Forwarded-For", "198.51.100.1");
        headers.add("X-Forwarded-For", "198.51.100.2");

        ForwardedHeaders.append(headers, InetAddress.getByName("192.0.2.9"), null);

        assertEquals("198.51.100.1, 198.51.100.2, 192.0.2.9", headers.get("X-Forwarded-For"));
        assertEquals(1, headers.getAll("X-Forwarded-For").size());
        assertEquals("for=192.0.2.9;proto=http", headers.get("Forwarded"));
    }

    @Test
    void hopByHopHeadersGoButConnectionCannotRemoveFraming()
    {
        final HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("Connection", "keep-alive, X-Private, Content-Length");
        headers.add("Connection", "Host");
        headers.add("X-Private", "1");
        headers.add("Content-Length", "3");
        headers.add("Host", "example.com");
        headers.add("Upgrade", "websocket");
        headers.add("TE", "trailers");
        headers.add("Proxy-Connection", "keep-alive");
        headers.add("X-Kept", "yes");

        HopByHopHeaders.strip(headers);

        assertFalse(headers.contains("X-Private"));
        assertFalse(headers.contains("Connection"));
        assertFalse(headers.contains("Upgrade"));
        assertFalse(headers.contains("TE"));
        assertFalse(headers.contains("Proxy-Connection"));
        assertTrue(headers.contains("Content-Length"));
        assertTrue(headers.contains("Host"));
        assertTrue(headers.contains("X-Kept"));
    }
}
