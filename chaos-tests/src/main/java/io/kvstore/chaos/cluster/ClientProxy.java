package io.kvstore.chaos.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of one member's client port, for one client of the test JVM,
 * so the nemesis can cut that client off the cluster as a network partition would. While {@link
 * #cut}, nothing is forwarded in either direction: the bytes read wait in the proxy (and behind
 * them in the kernel's buffers), and new connections are accepted but not connected onwards, as
 * behind a firewall that drops packets which TCP then retransmits. When healed, everything held
 * is delivered, late: a request a client gave up on may still reach the member, which is exactly
 * the delayed write fencing must refuse.
 *
 * <p>Thread-safety: {@link #cut}, {@link #heal} and {@link #close} may be called from any thread;
 * one daemon thread accepts, one per connection connects, two pump each connection.
 */
public final class ClientProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  /** Guarded by {@code lock}. */
  private boolean cut;
  private volatile boolean closed;

  ClientProxy(InetSocketAddress target, String name) {
    this.target = target;
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(this::accept, "client-proxy-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The address a client uses instead of the member's. */
  public String endpoint() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  public void cut() {
    synchronized (lock) {
      cut = true;
    }
  }

  public void heal() {
    synchronized (lock) {
      cut = false;
      lock.notifyAll();
    }
  }

  public boolean isCut() {
    synchronized (lock) {
      return cut;
    }
  }

  /** Blocks while the proxy is cut; false once it is closed. */
  private boolean awaitOpen() {
    synchronized (lock) {
      while (cut && !closed) {
        try {
          lock.wait(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return !closed;
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        continue; // closed, or a transient accept failure
      }
      sockets.add(client);
      Thread connector = new Thread(() -> connect(client), "client-proxy-connect");
      connector.setDaemon(true);
      connector.start();
    }
  }

  private void connect(Socket client) {
    if (!awaitOpen()) {
      closeQuietly(client);
      return;
    }
    Socket upstream = new Socket();
    sockets.add(upstream);
    try {
      upstream.connect(target, 2000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException e) {
      // The member is down: the client sees its connection closed, as a refused one.
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    pump(client, upstream);
    pump(upstream, client);
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (!awaitOpen()) {
            break;
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "client-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    heal();
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    sockets.forEach(ClientProxy::closeQuietly);
    sockets.clear();
  }
}
