package io.fulcrum.controlplane.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One HTTP response: status, content type, extra headers and the body. */
record ApiResponse(int status, String contentType, Map<String, String> headers, byte[] body)
{
    static final String JSON = "application/json; charset=utf-8";

    static ApiResponse text(final int status, final String contentType, final String body)
    {
        return new ApiResponse(status, contentType, Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    ApiResponse withHeader(final String name, final String value)
    {
        final java.util.LinkedHashMap<String, String> more = new java.util.LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiResponse(status, contentType, Map.copyOf(more), body);
    }
}
