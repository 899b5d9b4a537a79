package io.kvstore.chaos.checker;

import java.util.ArrayList;
import java.util.List;

/**
 * A checker's findings as it reports them: the first {@link #MAX} problems, and a count of the
 * rest. Not thread-safe; one checker fills it.
 */
final class Problems {
  static final int MAX = 8;
  private final List<String> list = new ArrayList<>();
  private int more;

  void add(String problem) {
    if (list.size() < MAX) {
      list.add(problem);
    } else {
      more++;
    }
  }

  List<String> list() {
    if (more == 0) {
      return list;
    }
    List<String> all = new ArrayList<>(list);
    all.add("... and " + more + " more");
    return all;
  }
}
