package io.fulcrum.controlplane.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * {@code POST /api/v1/upgrade}: streams the request body (an upgrade file of a few hundred MB, far above what the
 * aggregator behind it holds in memory) into the appliance's upload directory while hashing it, refuses it when the
 * SHA-256 differs from the {@code X-Fulcrum-Sha256} header, and hands it to the installer. The token and headers are
 * checked before a byte of the body is read (a client sending {@code Expect: 100-continue} sends none when refused).
 * An {@code X-Fulcrum-Signature} header (base64 of the raw ed25519 signature) is stored beside the file as
 * {@code FILE.sig} for the installer to verify. Everything else passes through to the aggregator. One per channel.
 */
final class UpgradeUpload extends ChannelInboundHandlerAdapter
{
    static final String PATH = ManagementApi.PREFIX + "upgrade";
    static final String SHA256_HEADER = "X-Fulcrum-Sha256";
    static final String SIGNATURE_HEADER = "X-Fulcrum-Signature";
    /** A root slot is 1 GiB (image/scripts/layout.sh); its compressed file is smaller. */
    static final long MAX_UPLOAD_BYTES = 1L << 30;

    private final ManagementApi api;
    private final ProgramCalls programs;
    private FileChannel file;
    private Path partial;
    private MessageDigest digest;
    private String expectedSha256;
    private byte[] signature;
    private long received;
    private boolean uploading;
    /** After a refusal: the rest of that request's body is dropped (the connection is closing). */
    private boolean discarding;

    UpgradeUpload(final ManagementApi api, final ProgramCalls programs)
    {
        this.api = api;
        this.programs = programs;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (!uploading && msg instanceof HttpRequest request && request.method().equals(HttpMethod.POST)
            && new QueryStringDecoder(request.uri()).rawPath().equals(PATH))
        {
            ReferenceCountUtil.release(msg);
            final ApiResponse refused = begin(request);
            if (refused != null)
            {
                // The body is not read: answer and close, rather than drain hundreds of MB.
                discarding = true;
                ManagementServer.write(ctx, refused, false);
                return;
            }
            uploading = true;
            if (HttpUtil.is100ContinueExpected(request))
            {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            return;
        }
        if (discarding && msg instanceof HttpContent content)
        {
            discarding = !(content instanceof LastHttpContent);
            ReferenceCountUtil.release(content);
            return;
        }
        if (uploading && msg instanceof HttpContent content)
        {
            try
            {
                final ApiResponse refused = append(content.content());
                if (refused != null)
                {
                    abandon();
                    discarding = !(content instanceof LastHttpContent);
                    ManagementServer.write(ctx, refused, false);
                    return;
                }
                if (content instanceof LastHttpContent)
                {
                    uploading = false;
                    ManagementServer.writeWhenDone(ctx, finish(), false);
                }
            }
            finally
            {
                ReferenceCountUtil.release(content);
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Null when the upload may go on; else the refusal. */
    private ApiResponse begin(final HttpRequest request)
    {
        if (!api.authorized(request.headers().get("Authorization")))
        {
            return api.unauthorized();
        }
        final Path uploads = api.control().upgradeUploads();
        if (uploads == null)
        {
            return api.error(501, "not_available", "this machine is not a Fulcrum appliance image: it has no "
                + "installer for upgrades");
        }
        final String sha = request.headers().get(SHA256_HEADER);
        if (sha == null || !sha.matches("[0-9a-fA-F]{64}"))
        {
            return api.error(400, "bad_request", "the " + SHA256_HEADER + " header must carry the file's SHA-256 "
                + "(64 hex digits, as in its .sha256 file)");
        }
        final String sig = request.headers().get(SIGNATURE_HEADER);
        if (sig != null)
        {
            try
            {
                signature = Base64.getDecoder().decode(sig.strip());
            }
            catch (final IllegalArgumentException e)
            {
                return api.error(400, "bad_request", "the " + SIGNATURE_HEADER + " header must be base64");
            }
        }
        if (HttpUtil.getContentLength(request, -1L) > MAX_UPLOAD_BYTES)
        {
            return api.error(413, "too_large", "an upgrade file is at most " + MAX_UPLOAD_BYTES + " bytes");
        }
        try
        {
            Files.createDirectories(uploads);
            partial = Files.createTempFile(uploads, "upload-", ".partial");
            file = FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            digest = MessageDigest.getInstance("SHA-256");
        }
        catch (final IOException | NoSuchAlgorithmException e)
        {
            abandon();
            return api.error(507, "cannot_store", "cannot store the upload in " + uploads + ": " + e.getMessage());
        }
        expectedSha256 = sha.toLowerCase(Locale.ROOT);
        received = 0;
        return null;
    }

    private ApiResponse append(final ByteBuf bytes)
    {
        received += bytes.readableBytes();
        if (received > MAX_UPLOAD_BYTES)
        {
            return api.error(413, "too_large", "an upgrade file is at most " + MAX_UPLOAD_BYTES + " bytes");
        }
        try
        {
            for (final ByteBuffer buffer : bytes.nioBuffers())
            {
                digest.update(buffer.duplicate());
                while (buffer.hasRemaining())
                {
                    file.write(buffer);
                }
            }
            return null;
        }
        catch (final IOException e)
        {
            return api.error(507, "cannot_store", "writing the upload failed: " + e.getMessage());
        }
    }

    /** The refusal, or the installer's answer once it started (systemd-run runs off the event loop). */
    private CompletableFuture<ApiResponse> finish()
    {
        final String actual = HexFormat.of().formatHex(digest.digest());
        try
        {
            file.force(true);
            file.close();
            file = null;
            if (!actual.equals(expectedSha256))
            {
                abandon();
                return CompletableFuture.completedFuture(api.error(400, "checksum_mismatch", "the upload's SHA-256 "
                    + "is " + actual + ", not " + expectedSha256 + " (" + received + " bytes received): nothing was "
                    + "installed"));
            }
            final Path stored = partial.resolveSibling("upload-" + actual.substring(0, 16) + ".rootfs.zst");
            Files.move(partial, stored, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            partial = null;
            final Path sig = stored.resolveSibling(stored.getFileName() + ".sig");
            if (signature != null)
            {
                Files.write(sig, signature);
            }
            else
            {
                Files.deleteIfExists(sig);
            }
            return programs.answer(() -> api.upgradeStarted(stored, actual));
        }
        catch (final IOException e)
        {
            abandon();
            return CompletableFuture.completedFuture(api.error(507, "cannot_store", "storing the upload failed: "
                + e.getMessage()));
        }
    }

    /** Drops a partial upload: a client that went away must not leave hundreds of MB on /data. */
    private void abandon()
    {
        uploading = false;
        try
        {
            if (file != null)
            {
                file.close();
            }
            if (partial != null)
            {
                Files.deleteIfExists(partial);
            }
        }
        catch (final IOException e)
        {
            // nothing better to do: the installer's next successful boot empties the directory anyway
        }
        file = null;
        partial = null;
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        abandon();
        ctx.fireChannelInactive();
    }
}
