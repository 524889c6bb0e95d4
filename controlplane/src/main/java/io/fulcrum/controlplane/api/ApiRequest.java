package io.fulcrum.controlplane.api;

/**
 * One HTTP request as the API sees it, apart from the transport.
 *
 * @param path          the decoded-later raw path, without the query string
 * @param authorization the {@code Authorization} header, or null
 * @param accept        the {@code Accept} header, or null
 */
record ApiRequest(String method, String path, String authorization, String accept, byte[] body)
{
}
