package io.kvstore.raft;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.File;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pure Raft core stays pure: no threads, clocks, disks, sockets or metrics, and no dependency
 * on the packages that provide them, so that it is deterministic under simulation.
 */
class ArchitectureTest {
  private static final String[] PURE_CORE = {
      "io.kvstore.raft.core..", "io.kvstore.raft.quorum..",
      "io.kvstore.raft.tracker..", "io.kvstore.raft.confchange.."};

  private static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes = new ClassFileImporter()
        .withImportOption(new ImportOption.DoNotIncludeTests())
        .importPackages("io.kvstore.raft");
  }

  @Test
  void pureCoreDependsOnNoConcurrencyTimeIoOrInfrastructureLibrary() {
    noClasses().that().resideInAnyPackage(PURE_CORE)
        .should().dependOnClassesThat().resideInAnyPackage(
            "java.util.concurrent..", "java.time..", "java.nio.file..", "java.net..",
            "org.rocksdb..", "io.netty..", "io.grpc..", "io.micrometer..")
        .check(classes);
  }

  @Test
  void pureCoreDependsOnNoThreadOrFile() {
    noClasses().that().resideInAnyPackage(PURE_CORE)
        .should().dependOnClassesThat().belongToAnyOf(Thread.class, File.class)
        .check(classes);
  }

  @Test
  void pureCoreDependsOnNoStorageTransportOrNodePackage() {
    noClasses().that().resideInAnyPackage(PURE_CORE)
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.kvstore.raft.storage..", "io.kvstore.raft.transport..", "io.kvstore.raft.node..")
        .check(classes);
  }

  @Test
  void pureCoreReadsNoClock() {
    noClasses().that().resideInAnyPackage(PURE_CORE)
        .should().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .check(classes);
  }
}
