package io.kvstore.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Builds the member image from this machine alone, pulling nothing: a {@code jlink}ed runtime of
 * the running JDK, the member's jars ({@code chaos.memberLib}, copied by this module's build from
 * the reactor), the shared libraries {@code ldd} lists for the JVM, RocksDB's native library and
 * {@code iptables}, and {@code iptables} itself with its extensions, packed as one root file
 * system tarball and imported {@code FROM scratch}.
 *
 * <p>The jlinked runtime is cached in the work directory per JDK (it takes a few seconds to make);
 * the tarball and the image are made again on every run, so the image always holds this build's
 * jars.
 *
 * <p>Thread-safety: not thread-safe; call {@link #build} from one thread.
 */
public final class MemberImage {
  /** Modules the member needs ({@code jdeps --print-module-deps} over its classpath, plus a few). */
  private static final String MODULES = String.join(",", "java.base", "java.compiler",
      "java.logging", "java.management", "java.naming", "java.net.http", "java.sql",
      "java.xml", "jdk.httpserver", "jdk.management", "jdk.unsupported", "jdk.crypto.ec");

  private static final Pattern LDD_LINE = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

  private final Path memberLib;
  private final Path workDir;

  public MemberImage(Path memberLib, Path workDir) {
    this.memberLib = memberLib;
    this.workDir = workDir;
  }

  /** Builds the image and returns its name; throws with the reason if anything is missing. */
  public String build() {
    try {
      if (!Files.isDirectory(memberLib)) {
        throw new IllegalStateException("no member classpath at " + memberLib
            + ": run the tests through Maven (mvn verify copies it), or set -Dchaos.memberLib");
      }
      Files.createDirectories(workDir);
      Path jre = jlinkedRuntime();
      Path rootfs = workDir.resolve("rootfs");
      deleteTree(rootfs);
      Files.createDirectories(rootfs.resolve("tmp"));
      Files.createDirectories(rootfs.resolve("data"));
      Files.createDirectories(rootfs.resolve("etc"));
      Files.writeString(rootfs.resolve("etc/nsswitch.conf"), "hosts: files dns\n");
      Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/false\n");
      Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n");
      copyTree(jre, rootfs.resolve("opt/jre"));
      Path lib = rootfs.resolve("opt/kvstore/lib");
      Files.createDirectories(lib);
      try (Stream<Path> jars = Files.list(memberLib)) {
        for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
          Files.copy(jar, lib.resolve(jar.getFileName().toString()),
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Set<Path> needLibs = new LinkedHashSet<>();
      needLibs.addAll(ldd(jre.resolve("bin/java")));
      needLibs.addAll(ldd(jre.resolve("lib/server/libjvm.so")));
      needLibs.addAll(ldd(rocksDbNative()));
      Path iptables = Path.of("/usr/sbin/iptables").toRealPath();
      needLibs.addAll(ldd(iptables));
      Path xtables = Path.of("/usr/lib/x86_64-linux-gnu/xtables");
      if (Files.isDirectory(xtables)) {
        try (Stream<Path> ext = Files.list(xtables)) {
          for (Path so : ext.toList()) {
            needLibs.addAll(ldd(so));
          }
        }
        copyTree(xtables, rootfs.resolve(xtables.toString().substring(1)));
      }
      for (String nss : List.of("libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2")) {
        Path p = Path.of("/lib/x86_64-linux-gnu", nss);
        if (Files.exists(p)) {
          needLibs.add(p);
        }
      }
      for (Path so : needLibs) {
        if (!(so.startsWith("/lib") || so.startsWith("/usr/lib") || so.startsWith("/lib64"))) {
          continue; // the runtime's own libraries (libjli.so) are already in /opt/jre
        }
        Path target = rootfs.resolve(so.toString().substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(so.toRealPath(), target, StandardCopyOption.REPLACE_EXISTING);
        // /lib and /usr/lib name the same directory on merged-/usr systems.
        if (so.startsWith("/lib/")) {
          Path alt = rootfs.resolve("usr" + so);
          Files.createDirectories(alt.getParent());
          Files.copy(so.toRealPath(), alt, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Path sbin = rootfs.resolve("usr/sbin");
      Files.createDirectories(sbin);
      Files.copy(iptables, sbin.resolve(iptables.getFileName().toString()));
      Files.createSymbolicLink(sbin.resolve("iptables"), iptables.getFileName());
      Path tar = workDir.resolve("rootfs.tar");
      Files.deleteIfExists(tar);
      run(List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), "."));
      String name = "kvstore-chaos-member:" + Long.toHexString(System.nanoTime());
      String dockerfile = "FROM scratch\nADD rootfs.tar /\nENV PATH=/opt/jre/bin:/usr/sbin\n"
          + "WORKDIR /data\n";
      new ImageFromDockerfile(name, false)
          .withFileFromPath("rootfs.tar", tar)
          .withFileFromString("Dockerfile", dockerfile)
          .get(5, TimeUnit.MINUTES);
      return name;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("building the member image failed: " + e, e);
    }
  }

  private Path jlinkedRuntime() throws IOException {
    Path javaHome = Path.of(System.getProperty("java.home"));
    String key = (System.getProperty("java.vm.version") + "-" + MODULES.hashCode())
        .replaceAll("[^A-Za-z0-9.-]", "_");
    Path jre = workDir.resolve("jre-" + key);
    if (Files.exists(jre.resolve("bin/java"))) {
      return jre;
    }
    Path tmp = workDir.resolve("jre-tmp-" + System.nanoTime());
    Path jlink = javaHome.resolve("bin/jlink");
    if (!Files.exists(jlink)) {
      throw new IllegalStateException("no jlink at " + jlink + ": the harness needs a full JDK");
    }
    run(List.of(jlink.toString(), "--add-modules", MODULES, "--strip-debug", "--no-man-pages",
        "--no-header-files", "--compress=1", "--output", tmp.toString()));
    Files.move(tmp, jre, StandardCopyOption.ATOMIC_MOVE);
    return jre;
  }

  private Path rocksDbNative() throws IOException {
    Path so = workDir.resolve("librocksdbjni-linux64.so");
    if (Files.exists(so)) {
      return so;
    }
    try (Stream<Path> jars = Files.list(memberLib)) {
      Path jar = jars.filter(p -> p.getFileName().toString().startsWith("rocksdbjni"))
          .findFirst().orElseThrow(() -> new IllegalStateException(
              "no rocksdbjni jar in " + memberLib));
      Path tmp = workDir.resolve("rocksdb-tmp");
      deleteTree(tmp);
      Files.createDirectories(tmp);
      run(List.of("unzip", "-q", "-o", jar.toString(), "librocksdbjni-linux64.so", "-d",
          tmp.toString()));
      Files.move(tmp.resolve("librocksdbjni-linux64.so"), so);
      return so;
    }
  }

  private static List<Path> ldd(Path binary) throws IOException {
    String out = run(List.of("ldd", binary.toString()));
    List<Path> libs = new ArrayList<>();
    for (String line : out.split("\n")) {
      Matcher m = LDD_LINE.matcher(line);
      if (m.find()) {
        libs.add(Path.of(m.group(1)));
      }
    }
    return libs;
  }

  private static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    try {
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException(command + " timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException(command + " interrupted", e);
    }
    if (p.exitValue() != 0 && !command.get(0).equals("ldd")) {
      throw new IOException(command + " exited with " + p.exitValue() + ": " + out);
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    run(List.of("cp", "-a", from.toString(), to.toString()));
  }

  static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      run(List.of("rm", "-rf", dir.toString()));
    }
  }
}
