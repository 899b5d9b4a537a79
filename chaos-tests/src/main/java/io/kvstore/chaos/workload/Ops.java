package io.kvstore.chaos.workload;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.History;
import io.kvstore.client.EtcdException;
import io.kvstore.client.KvClientException;
import io.kvstore.client.OutcomeUnknownException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one operation of a process and records it: invoke, then ok, fail (certainly not applied)
 * or info (unknown). Reads that fail are {@code fail}: they changed nothing. A write is {@code
 * info} on {@link OutcomeUnknownException}, on a local timeout, or on anything unexpected, and
 * {@code fail} only when the client says the server refused it.
 *
 * <p>Thread-safety: stateless.
 */
final class Ops {
  /** A guarded transaction whose compare did not hold: it did not apply, a definite failure. */
  static final class CompareFailed extends Exception {
    private static final long serialVersionUID = 1L;

    CompareFailed() {
      super("compare failed", null, false, false);
    }
  }

  /** The body of an operation: returns the ok value, or throws. */
  interface Body {
    JsonObject run() throws Exception;
  }

  private Ops() {}

  /**
   * Runs {@code body} as one operation of {@code process}; returns the completion's type, so the
   * caller knows to take a new process number after {@code INFO}.
   */
  static Event.Type run(History history, int process, String f, String key, JsonElement input,
      boolean readOnly, Body body) {
    Event inv = history.invoke(process, f, key, input);
    try {
      JsonObject out = body.run();
      history.complete(inv, Event.Type.OK, out, null);
      return Event.Type.OK;
    } catch (CompareFailed e) {
      history.complete(inv, Event.Type.FAIL, null, "compare failed");
      return Event.Type.FAIL;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Event.Type t = readOnly ? Event.Type.FAIL : Event.Type.INFO;
      history.complete(inv, t, null, "interrupted");
      return t;
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null
          ? e.getCause() : e;
      boolean definite = readOnly
          || (cause instanceof KvClientException && !(cause instanceof OutcomeUnknownException)
              && !(cause instanceof TimeoutException));
      Event.Type t = definite ? Event.Type.FAIL : Event.Type.INFO;
      String error = cause.getClass().getSimpleName() + ": " + cause.getMessage();
      history.complete(inv, t, null, error);
      return t;
    }
  }

  static <T> T await(CompletableFuture<T> f, long seconds) throws Exception {
    try {
      return f.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw e;
    }
  }

  static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** The exclusive end of the prefix range starting at {@code prefix}. */
  static ByteString prefixEnd(String prefix) {
    byte[] b = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    b[b.length - 1]++;
    return ByteString.copyFrom(b);
  }

  static boolean isEtcdError(Throwable t) {
    return t instanceof EtcdException;
  }
}
