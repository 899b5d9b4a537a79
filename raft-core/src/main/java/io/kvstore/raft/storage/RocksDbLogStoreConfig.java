package io.kvstore.raft.storage;

/**
 * Tuning of a {@link RocksDbLogStore}. Immutable.
 *
 * @param tailCacheBytes the most entry bytes (as counted by {@code Entries.size}) kept in memory
 *     for the newest entries; older entries are read from RocksDB. Zero disables the cache.
 * @param statistics whether RocksDB statistics are collected, which {@link
 *     RocksDbLogStore#syncCount()} needs
 */
public record RocksDbLogStoreConfig(long tailCacheBytes, boolean statistics) {

  /** A 64 MiB tail cache with statistics on. */
  public static RocksDbLogStoreConfig defaults() {
    return new RocksDbLogStoreConfig(64L << 20, true);
  }

  /** Throws {@link IllegalArgumentException} naming the first invalid field. */
  public void validate() {
    if (tailCacheBytes < 0) {
      throw new IllegalArgumentException("tailCacheBytes must be >= 0, was " + tailCacheBytes);
    }
  }
}
