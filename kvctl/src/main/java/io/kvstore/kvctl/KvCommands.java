package io.kvstore.kvctl;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.client.KvClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** etcdctl's key-value commands: get, put, del, txn, compaction. */
final class KvCommands {
  private KvCommands() {}

  static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** clientv3's prefix end: the key with its last byte below 0xff incremented, or "\0". */
  static ByteString prefixEnd(ByteString key) {
    byte[] end = key.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if ((end[i] & 0xff) < 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  @Command(name = "get", description = "Gets the key or a range of keys",
      customSynopsis = "kvctl get [options] <key> [range_end]")
  static final class Get extends Kvctl.Cmd implements Runnable {
    @Option(names = "--consistency", defaultValue = "l",
        description = "Linearizable(l) or Serializable(s)")
    String consistency;
    @Option(names = "--order", defaultValue = "",
        description = "Order of results; ASCEND or DESCEND (ASCEND by default)")
    String order;
    @Option(names = "--sort-by", defaultValue = "",
        description = "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION")
    String sortBy;
    @Option(names = "--limit", defaultValue = "0", description = "Maximum number of results")
    long limit;
    @Option(names = "--prefix", arity = "0..1", fallbackValue = "true",
        description = "Get keys with matching prefix")
    boolean prefix;
    @Option(names = "--from-key", arity = "0..1", fallbackValue = "true",
        description = "Get keys that are greater than or equal to the given key using byte "
            + "compare")
    boolean fromKey;
    @Option(names = "--rev", defaultValue = "0", description = "Specify the kv revision")
    long rev;
    @Option(names = "--keys-only", arity = "0..1", fallbackValue = "true",
        description = "Get only the keys")
    boolean keysOnly;
    @Option(names = "--print-value-only", arity = "0..1", fallbackValue = "true",
        description = "Only write values when using the \"simple\" output format")
    boolean printValueOnly;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    RangeRequest request() {
      if (args.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "get command needs one argument as key and an optional argument as range_end");
      }
      if (prefix && fromKey) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "`--prefix` and `--from-key` cannot be set at the same time, choose one");
      }
      RangeRequest.Builder r = RangeRequest.newBuilder();
      switch (consistency) {
        case "s" -> r.setSerializable(true);
        case "l" -> { }
        default -> throw new KvctlException(ExitCodes.BAD_FEATURE,
            "unknown consistency flag " + GoText.quote(consistency));
      }
      ByteString key = bytes(args.get(0));
      if (args.size() > 1) {
        if (prefix || fromKey) {
          throw new KvctlException(ExitCodes.BAD_ARGS, "too many arguments, only accept one "
              + "argument when `--prefix` or `--from-key` is set");
        }
        r.setRangeEnd(bytes(args.get(1)));
      }
      r.setLimit(limit);
      if (rev > 0) {
        r.setRevision(rev);
      }
      RangeRequest.SortOrder sortOrder = switch (order.toUpperCase(Locale.ROOT)) {
        case "ASCEND" -> RangeRequest.SortOrder.ASCEND;
        case "DESCEND" -> RangeRequest.SortOrder.DESCEND;
        case "" -> RangeRequest.SortOrder.NONE;
        default -> throw new KvctlException(ExitCodes.BAD_FEATURE, "bad sort order " + order);
      };
      RangeRequest.SortTarget target = switch (sortBy.toUpperCase(Locale.ROOT)) {
        case "CREATE" -> RangeRequest.SortTarget.CREATE;
        case "KEY", "" -> RangeRequest.SortTarget.KEY;
        case "MODIFY" -> RangeRequest.SortTarget.MOD;
        case "VALUE" -> RangeRequest.SortTarget.VALUE;
        case "VERSION" -> RangeRequest.SortTarget.VERSION;
        default -> throw new KvctlException(ExitCodes.BAD_FEATURE, "bad sort target " + sortBy);
      };
      if (target == RangeRequest.SortTarget.KEY && sortOrder == RangeRequest.SortOrder.ASCEND) {
        sortOrder = RangeRequest.SortOrder.NONE;
      }
      r.setSortOrder(sortOrder).setSortTarget(target);
      if (prefix) {
        if (key.isEmpty()) {
          key = ZERO;
          r.setRangeEnd(ZERO);
        } else {
          r.setRangeEnd(prefixEnd(key));
        }
      }
      if (fromKey) {
        if (key.isEmpty()) {
          key = ZERO;
        }
        r.setRangeEnd(ZERO);
      }
      r.setKey(key).setKeysOnly(keysOnly);
      return r.build();
    }

    @Override
    public void run() {
      RangeRequest request = request();
      Kvctl root = root();
      Printer p = root.printer();
      try (KvClient c = root.client()) {
        var resp = Kvctl.await(c.kv().range(request), ExitCodes.ERROR);
        if (printValueOnly) {
          if (p.format != Printer.Format.SIMPLE) {
            throw new KvctlException(ExitCodes.BAD_ARGS,
                "print-value-only is only for `--write-out=simple`");
          }
          p.valueOnly = true;
        }
        p.get(resp);
      }
    }
  }

  @Command(name = "put", description = "Puts the given key into the store",
      customSynopsis = "kvctl put [options] <key> <value> (<value> can also be given from stdin)")
  static final class Put extends Kvctl.Cmd implements Runnable {
    @Option(names = "--lease", defaultValue = "0",
        description = "lease ID (in hexadecimal) to attach to the key")
    String lease;
    @Option(names = "--prev-kv", arity = "0..1", fallbackValue = "true",
        description = "return the previous key-value pair before modification")
    boolean prevKv;
    @Option(names = "--ignore-value", arity = "0..1", fallbackValue = "true",
        description = "updates the key using its current value")
    boolean ignoreValue;
    @Option(names = "--ignore-lease", arity = "0..1", fallbackValue = "true",
        description = "updates the key using its current lease")
    boolean ignoreLease;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    PutRequest request(boolean stdinAllowed) {
      String usage = "put command needs 1 argument and input from stdin or 2 arguments";
      if (args.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS, usage);
      }
      if (ignoreValue && args.size() > 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "put command needs only 1 argument when 'ignore-value' is set");
      }
      ByteString value = ByteString.EMPTY;
      if (!ignoreValue) {
        if (args.size() > 1) {
          value = bytes(args.get(1));
        } else {
          byte[] in = new byte[0];
          if (stdinAllowed) {
            try {
              in = root().in.readAllBytes();
            } catch (IOException e) {
              in = new byte[0];
            }
          }
          if (in.length == 0) {
            throw new KvctlException(ExitCodes.BAD_ARGS, usage);
          }
          value = ByteString.copyFrom(in);
        }
      }
      long id;
      try {
        id = GoParse.parseInt(lease, 16);
      } catch (NumberFormatException e) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "bad lease ID (" + e.getMessage() + "), expecting ID in Hex");
      }
      return PutRequest.newBuilder().setKey(bytes(args.get(0))).setValue(value).setLease(id)
          .setPrevKv(prevKv).setIgnoreValue(ignoreValue).setIgnoreLease(ignoreLease).build();
    }

    @Override
    public void run() {
      PutRequest request = request(true);
      Kvctl root = root();
      Printer p = root.printer();
      try (KvClient c = root.client()) {
        p.put(Kvctl.await(c.kv().put(request), ExitCodes.ERROR));
      }
    }
  }

  @Command(name = "del",
      description = "Removes the specified key or range of keys [key, range_end)",
      customSynopsis = "kvctl del [options] <key> [range_end]")
  static final class Del extends Kvctl.Cmd implements Runnable {
    @Option(names = "--prefix", arity = "0..1", fallbackValue = "true",
        description = "delete keys with matching prefix")
    boolean prefix;
    @Option(names = "--prev-kv", arity = "0..1", fallbackValue = "true",
        description = "return deleted key-value pairs")
    boolean prevKv;
    @Option(names = "--from-key", arity = "0..1", fallbackValue = "true",
        description = "delete keys that are greater than or equal to the given key using byte "
            + "compare")
    boolean fromKey;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    DeleteRangeRequest request() {
      if (args.isEmpty() || args.size() > 2) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "del command needs one argument as key and an optional argument as range_end");
      }
      if (prefix && fromKey) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "`--prefix` and `--from-key` cannot be set at the same time, choose one");
      }
      DeleteRangeRequest.Builder r = DeleteRangeRequest.newBuilder();
      ByteString key = bytes(args.get(0));
      if (args.size() > 1) {
        if (prefix || fromKey) {
          throw new KvctlException(ExitCodes.BAD_ARGS, "too many arguments, only accept one "
              + "argument when `--prefix` or `--from-key` is set");
        }
        r.setRangeEnd(bytes(args.get(1)));
      }
      if (prefix) {
        if (key.isEmpty()) {
          key = ZERO;
          r.setRangeEnd(ZERO);
        } else {
          r.setRangeEnd(prefixEnd(key));
        }
      }
      if (fromKey) {
        if (key.isEmpty()) {
          key = ZERO;
        }
        r.setRangeEnd(ZERO);
      }
      return r.setKey(key).setPrevKv(prevKv).build();
    }

    @Override
    public void run() {
      DeleteRangeRequest request = request();
      Kvctl root = root();
      Printer p = root.printer();
      try (KvClient c = root.client()) {
        p.del(Kvctl.await(c.kv().delete(request), ExitCodes.ERROR));
      }
    }
  }

  @Command(name = "txn", description = "Txn processes all the requests in one transaction",
      customSynopsis = "kvctl txn [options]  (compares, success and failure requests from "
          + "stdin, each section ended by an empty line)")
  static final class Txn extends Kvctl.Cmd implements Runnable {
    @Option(names = {"-i", "--interactive"}, arity = "0..1", fallbackValue = "true",
        description = "Input transaction in interactive mode")
    boolean interactive;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (!args.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "txn command does not accept argument");
      }
      Kvctl root = root();
      Printer p = root.printer();
      BufferedReader reader = new BufferedReader(new InputStreamReader(root.in,
          StandardCharsets.UTF_8));
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      prompt(root, "compares:");
      for (String line : section(reader)) {
        txn.addCompare(parseCompare(line));
      }
      prompt(root, "success requests (get, put, del):");
      for (String line : section(reader)) {
        txn.addSuccess(parseOp(line));
      }
      prompt(root, "failure requests (get, put, del):");
      for (String line : section(reader)) {
        txn.addFailure(parseOp(line));
      }
      try (KvClient c = root.client()) {
        p.txn(Kvctl.await(c.kv().txn(txn.build()), ExitCodes.ERROR));
      }
    }

    private void prompt(Kvctl root, String s) {
      if (interactive) {
        root.out.print(s + "\n");
        root.out.flush();
      }
    }

    /** Lines up to an empty one; the input ending first is etcdctl's "EOF" error. */
    private static List<String> section(BufferedReader reader) {
      List<String> lines = new ArrayList<>();
      while (true) {
        String line = readLine(reader);
        if (line.strip().isEmpty()) {
          return lines;
        }
        lines.add(line.strip());
      }
    }

    /** A whole line (ended by '\n'); Go's ReadString fails with EOF on anything else. */
    private static String readLine(BufferedReader reader) {
      StringBuilder sb = new StringBuilder();
      try {
        int c;
        while ((c = reader.read()) >= 0) {
          if (c == '\n') {
            return sb.toString();
          }
          sb.append((char) c);
        }
      } catch (IOException e) {
        throw new KvctlException(ExitCodes.INVALID_INPUT, e.getMessage());
      }
      throw new KvctlException(ExitCodes.INVALID_INPUT, "EOF");
    }

    static Compare parseCompare(String line) {
      int paren = line.indexOf('(');
      if (paren < 0) {
        throw new KvctlException(ExitCodes.INVALID_INPUT, "malformed comparison: " + line);
      }
      String target = line.substring(0, paren);
      String key = "";
      String op = "";
      String val = "";
      int n = 0;
      try {
        int[] pos = {paren + 1};
        key = GoParse.unquote(line, pos);
        String rest = line.substring(pos[0]);
        if (!rest.startsWith(")")) {
          throw new IllegalArgumentException("expected )");
        }
        n = 1;
        rest = rest.substring(1).stripLeading();
        int sp = rest.indexOf(' ');
        op = sp < 0 ? rest : rest.substring(0, sp);
        n = op.isEmpty() ? 1 : 2;
        rest = sp < 0 ? "" : rest.substring(sp).stripLeading();
        pos[0] = 0;
        val = GoParse.unquote(rest, pos);
        n = 3;
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        // n says how far Go's Sscanf got
      }
      if (n != 3) {
        throw new KvctlException(ExitCodes.INVALID_INPUT, "malformed comparison: " + line
            + "; got " + target + "(" + GoText.quote(n >= 1 ? key : "") + ") "
            + (n >= 2 ? op : "") + " " + GoText.quote(""));
      }
      Compare.CompareResult result = switch (op) {
        case "=" -> Compare.CompareResult.EQUAL;
        case "!=" -> Compare.CompareResult.NOT_EQUAL;
        case "<" -> Compare.CompareResult.LESS;
        case ">" -> Compare.CompareResult.GREATER;
        default -> throw new KvctlException(ExitCodes.INVALID_INPUT,
            "malformed comparison: " + line + " (unknown operator " + op + ")");
      };
      Compare.Builder c = Compare.newBuilder().setKey(bytes(key)).setResult(result);
      try {
        switch (target) {
          case "ver", "version" -> c.setTarget(Compare.CompareTarget.VERSION)
              .setVersion(GoParse.parseInt(val, 10));
          case "c", "create" -> c.setTarget(Compare.CompareTarget.CREATE)
              .setCreateRevision(GoParse.parseInt(val, 10));
          case "m", "mod" -> c.setTarget(Compare.CompareTarget.MOD)
              .setModRevision(GoParse.parseInt(val, 10));
          case "val", "value" -> c.setTarget(Compare.CompareTarget.VALUE).setValue(bytes(val));
          case "lease" -> c.setTarget(Compare.CompareTarget.LEASE)
              .setLease(GoParse.parseInt(val, 16));
          default -> throw new KvctlException(ExitCodes.INVALID_INPUT,
              "malformed comparison: " + line + " (unknown target " + target + ")");
        }
      } catch (NumberFormatException e) {
        throw new KvctlException(ExitCodes.INVALID_INPUT, "invalid txn compare request: " + line);
      }
      return c.build();
    }

    /** One request line: get, put or del with their flags, parsed as those commands parse. */
    RequestOp parseOp(String line) {
      List<String> words = GoParse.argify(line);
      if (words.size() < 2) {
        throw new KvctlException(ExitCodes.INVALID_INPUT, "invalid txn compare request: " + line);
      }
      List<String> rest = words.subList(1, words.size());
      try {
        switch (words.get(0)) {
          case "get" -> {
            Get g = new Get();
            new CommandLine(g).parseArgs(rest.toArray(String[]::new));
            return RequestOp.newBuilder().setRequestRange(g.request()).build();
          }
          case "put" -> {
            Put put = new Put();
            new CommandLine(put).parseArgs(rest.toArray(String[]::new));
            return RequestOp.newBuilder().setRequestPut(put.request(false)).build();
          }
          case "del" -> {
            Del d = new Del();
            new CommandLine(d).parseArgs(rest.toArray(String[]::new));
            return RequestOp.newBuilder().setRequestDeleteRange(d.request()).build();
          }
          default -> throw new KvctlException(ExitCodes.INVALID_INPUT,
              "invalid txn request: " + line);
        }
      } catch (CommandLine.ParameterException e) {
        throw new KvctlException(ExitCodes.INVALID_INPUT, "invalid txn request: " + line);
      }
    }
  }

  @Command(name = "compaction", description = "Compacts the event history in etcd",
      customSynopsis = "kvctl compaction [options] <revision>")
  static final class Compaction extends Kvctl.Cmd implements Runnable {
    @Option(names = "--physical", arity = "0..1", fallbackValue = "true",
        description = "'true' to wait for compaction to physically remove all old revisions")
    boolean physical;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "compaction command needs 1 argument");
      }
      long rev;
      try {
        rev = GoParse.parseInt(args.get(0), 10);
      } catch (NumberFormatException e) {
        throw new KvctlException(ExitCodes.ERROR, e.getMessage());
      }
      Kvctl root = root();
      try (KvClient c = root.client()) {
        Kvctl.await(c.kv().compact(CompactionRequest.newBuilder().setRevision(rev)
            .setPhysical(physical).build()), ExitCodes.ERROR);
      }
      root.out.print("compacted revision " + rev + "\n");
    }
  }
}
