package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Frame;
import io.kvstore.raft.pb.Hello;
import io.kvstore.raft.pb.PeerAddress;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asks a member of a running cluster, over its peer port, which cluster it belongs to and where
 * its peers listen: what a member joining with an empty data directory needs before it can start
 * its own transport (etcd's joiner asks its peers for the cluster the same way). The member
 * answers only if it has a peer at the joiner's advertised address, that is after {@code member
 * add}. Stateless; one blocking socket per call.
 */
public final class ClusterProbe {
  private ClusterProbe() {}

  /**
   * What the probed member said.
   *
   * @param clusterId the cluster id; never 0
   * @param memberId the probed member's id
   * @param members every member the probed one knows, itself included, with its address
   */
  public record Answer(long clusterId, long memberId, Map<Long, InetSocketAddress> members) {
    public Answer {
      members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
    }
  }

  /**
   * Probes the member listening at {@code member} on behalf of a joiner whose advertised peer
   * address is {@code joinerHostPort} ({@code host:port}).
   *
   * @throws IOException if the member cannot be reached, refuses (closes without answering) or
   *     answers nonsense
   */
  public static Answer ask(InetSocketAddress member, String joinerHostPort, Duration timeout)
      throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(member, (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      byte[] probe = Frame.newBuilder()
          .setHello(Hello.newBuilder().setJoinerAddress(joinerHostPort)).build().toByteArray();
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(probe.length);
      out.write(probe);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int length;
      try {
        length = in.readInt();
      } catch (IOException e) {
        throw new IOException("member at " + member + " refused the join probe (is "
            + joinerHostPort + " added to the cluster?)", e);
      }
      if (length <= 0 || length > FrameCodec.MAX_FRAME_BYTES) {
        throw new IOException("member at " + member + " answered a frame of " + length + " bytes");
      }
      Frame frame = Frame.parseFrom(in.readNBytes(length));
      Hello hello = frame.getHello();
      if (!frame.hasHello() || hello.getClusterId() == 0 || hello.getMemberId() == 0) {
        throw new IOException("member at " + member + " answered the join probe without an id");
      }
      Map<Long, InetSocketAddress> members = new LinkedHashMap<>();
      members.put(hello.getMemberId(), member);
      for (PeerAddress p : hello.getPeersList()) {
        members.put(p.getId(), new InetSocketAddress(p.getHost(), p.getPort()));
      }
      return new Answer(hello.getClusterId(), hello.getMemberId(), members);
    }
  }
}
