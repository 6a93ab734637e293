package io.fenceline.proxy.net;

import io.fenceline.proxy.wire.frontend.CancelRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Sends a CancelRequest to the database that issued its key, then waits for the database to close
 * that connection (it does so once the cancel is delivered) before closing the client's connection, so
 * the client learns of completion the way it would from PostgreSQL itself.
 */
final class CancelRelay extends ChannelInboundHandlerAdapter {

    private final CancelRequest request;
    private final Channel client;

    /** @param client the client connection to close when done, or null when the proxy cancels on its own */
    CancelRelay(CancelRequest request, Channel client) {
        this.request = request;
        this.client = client;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(request.encode(ctx.alloc())).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (client != null) {
            client.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
