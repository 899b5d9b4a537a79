package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;

/**
 * What the index knows of a key at a revision: the revision of its visible value ({@code
 * modified}), when its current generation began ({@code created}) and its version in that
 * generation (1 for the creating put). Immutable.
 */
record IndexEntry(ByteString key, Revision modified, Revision created, long version) {
}
