package io.kvstore.server.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out TCP ports on 127.0.0.1 that were free when probed, from 20000–29999: below Linux's
 * ephemeral range (32768 and up), so an outgoing connection of this or another process cannot grab
 * one between the probe and the server binding it. The scan starts at a random port, so test forks
 * running at the same time rarely probe the same ports, and this JVM never hands out a port twice.
 *
 * <p>Thread-safe.
 */
final class FreePorts {
  private static final int LOW = 20_000;
  private static final int COUNT = 10_000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port that was free a moment ago and was never handed out by this JVM. */
  static int next() {
    int start = ThreadLocalRandom.current().nextInt(COUNT);
    for (int i = 0; i < COUNT; i++) {
      int port = LOW + (start + i) % COUNT;
      if (bindable(port) && HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port in " + LOW + ".." + (LOW + COUNT - 1));
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
