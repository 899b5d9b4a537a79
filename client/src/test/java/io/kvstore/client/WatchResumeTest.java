package io.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchGrpc;
import io.kvstore.api.etcdserverpb.WatchRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a watch resumes, against a fake Watch service that plays a script keyed by the start
 * revision it is asked for, breaking the stream after each part: the next stream starts one past
 * the last event or progress notification delivered, a start "from now" is pinned by the first
 * {@code created} response, fragments are joined, a repeated event is dropped, and a compacted
 * resume point ends the watch with the compact revision. Every stream carries {@code hasleader}.
 */
@Timeout(30)
class WatchResumeTest {
  private final List<Long> startRevisions = new CopyOnWriteArrayList<>();

  /** Plays the part of the script for {@code start}, then breaks the stream (or not). */
  private final class ScriptedWatch extends WatchGrpc.WatchImplBase {
    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest request) {
          long start = request.getCreateRequest().getStartRevision();
          startRevisions.add(start);
          if (start == 0) {
            out.onNext(created(10));
            out.onNext(events(11, false, 11));
            out.onNext(events(13, true, 12, 12));
            out.onNext(events(13, false, 13));
            out.onError(Status.UNAVAILABLE.withDescription("member killed").asRuntimeException());
          } else if (start == 14) {
            out.onNext(created(20));
            out.onNext(events(20, false, 13, 14));
            out.onNext(progress(20));
            out.onError(Status.UNAVAILABLE.withDescription("etcdserver: no leader")
                .asRuntimeException());
          } else {
            out.onNext(created(30));
            out.onNext(WatchResponse.newBuilder().setHeader(header(30)).setCanceled(true)
                .setCompactRevision(25).build());
          }
        }

        @Override
        public void onError(Throwable t) { }

        @Override
        public void onCompleted() { }
      };
    }
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  private static WatchResponse created(long revision) {
    return WatchResponse.newBuilder().setHeader(header(revision)).setCreated(true).build();
  }

  private static WatchResponse progress(long revision) {
    return WatchResponse.newBuilder().setHeader(header(revision)).build();
  }

  private static WatchResponse events(long revision, boolean fragment, long... modRevisions) {
    WatchResponse.Builder r = WatchResponse.newBuilder().setHeader(header(revision))
        .setFragment(fragment);
    for (long m : modRevisions) {
      r.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder()
          .setKey(ByteString.copyFromUtf8("k" + m)).setModRevision(m)));
    }
    return r.build();
  }

  @Test
  void resumesPastWhatWasDeliveredAndReportsACompactedResumePoint() throws Exception {
    List<WatchResponse> delivered = new CopyOnWriteArrayList<>();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    try (FakeMember member = new FakeMember(new ScriptedWatch());
        KvClient client = KvClient.builder().endpoints(member.endpoint())
            .callTimeout(Duration.ofSeconds(5)).build()) {
      WatchHandle handle = client.watch().watch(
          WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
              delivered.add(r);
            }

            @Override
            public void onError(Throwable t) {
              ended.complete(t);
            }

            @Override
            public void onCompleted() {
              ended.complete(null);
            }
          });

      Throwable end = ended.get(20, TimeUnit.SECONDS);

      assertThat(end).isInstanceOfSatisfying(WatchCompactedException.class, e -> {
        assertThat(e.compactRevision()).isEqualTo(25);
        assertThat(e.description())
            .isEqualTo("etcdserver: mvcc: required revision has been compacted");
      });
      assertThat(startRevisions).containsExactly(0L, 14L, 21L);
      assertThat(delivered.stream().map(r -> r.getEventsList().stream()
          .map(e -> e.getKv().getModRevision()).toList()).toList())
          .containsExactly(List.of(11L), List.of(12L, 12L, 13L), List.of(14L), List.of());
      assertThat(delivered.get(3).getHeader().getRevision()).as("the progress notification")
          .isEqualTo(20);
      assertThat(handle.nextRevision()).isEqualTo(21);
      assertThat(member.calls("etcdserverpb.Watch/Watch")).hasSize(3)
          .allMatch(FakeMember.Received::hasLeaderHeader);
    }
  }
}
