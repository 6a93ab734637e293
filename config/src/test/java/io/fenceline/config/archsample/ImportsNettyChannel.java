package io.fenceline.config.archsample;

import io.netty.channel.Channel;

/** Breaks the rule that only the Netty glue packages import {@code io.netty.channel}. */
public final class ImportsNettyChannel {
    private ImportsNettyChannel() {
    }

    static boolean open(Channel channel) {
        return channel.isOpen();
    }
}
