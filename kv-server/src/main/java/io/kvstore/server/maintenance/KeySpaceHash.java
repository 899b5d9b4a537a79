package io.kvstore.server.maintenance;

import io.kvstore.server.mvcc.CompactedException;
import io.kvstore.server.mvcc.FutureRevisionException;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.Revision;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * etcd's {@code HashKV}: CRC-32C (Castagnoli, as etcd's {@code hashByRev}) over the name of the
 * key bucket and then every row of the MVCC key space up to a revision, encoded revision then
 * value, in revision order. A compaction has already removed what etcd's hash skips below the
 * compacted revision, so members that applied the same entries give the same hash. Stateless.
 */
public final class KeySpaceHash {
  private static final byte[] KEY_BUCKET = "key".getBytes(StandardCharsets.US_ASCII);

  private KeySpaceHash() {}

  /**
   * The hash at {@code revision} (0 for the current one), the revision it was taken at, and the
   * compacted revision (-1 if never compacted, as etcd).
   *
   * @throws FutureRevisionException if {@code revision} is after the current revision
   * @throws CompactedException if {@code revision} is before the compacted revision
   */
  public static Result hash(MvccStore store, long revision) {
    return store.readBackend((backend, current, compacted) -> {
      if (revision > current) {
        throw new FutureRevisionException();
      }
      if (revision != 0 && revision < compacted) {
        throw new CompactedException(compacted);
      }
      long upTo = revision == 0 ? current : revision;
      CRC32C crc = new CRC32C();
      crc.update(KEY_BUCKET);
      backend.scanRevisions(Revision.first(0).encode(), Revision.first(upTo + 1).encode(),
          (key, value) -> {
            crc.update(key);
            crc.update(value);
            return true;
          });
      return new Result((int) crc.getValue(), current, compacted);
    });
  }

  /** A hash of the key space. Immutable. */
  public record Result(int hash, long revision, long compactRevision) {}
}
