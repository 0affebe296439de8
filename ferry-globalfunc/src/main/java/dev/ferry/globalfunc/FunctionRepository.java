package dev.ferry.globalfunc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * A GlobalFunc repository: a git work tree whose top-level folders are packages (names starting with {@code .} or
 * {@code _} are skipped) holding one function per file, named after the function. Reads and writes through JGit; no
 * git program needed. Not thread-safe.
 */
public final class FunctionRepository implements AutoCloseable {
  private static final DateTimeFormatter COMMIT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  /** One function file of the work tree. */
  public record SourceFile(String packageName, String name, Path path, byte[] code, FileTime modified) {}

  /**
   * What {@link #commit} did.
   *
   * @param pushedTo the remote pushed to, empty when there is none
   */
  public record CommitResult(String commit, String message, int changedFiles, String pushedTo) {}

  private final Path root;
  private final Git git;

  private FunctionRepository(Path root, Git git) {
    this.root = root;
    this.git = git;
  }

  /** Opens the git work tree at {@code dir}. */
  public static FunctionRepository open(Path dir) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root.resolve(".git"))) {
      throw new IOException(root + " is not a git repository (no .git); run 'git init' there or pass --repo DIR");
    }
    Repository r = new FileRepositoryBuilder().setWorkTree(root.toFile()).setGitDir(root.resolve(".git").toFile()).setMustExist(true).build();
    // Git.wrap does not close what it wraps; close() closes the repository itself, once, for both ways of opening
    return new FunctionRepository(root, Git.wrap(r));
  }

  /** Creates a git repository at {@code dir} (and the directory) with {@code branch} as its first branch. */
  public static FunctionRepository create(Path dir, String branch) throws IOException {
    try {
      Files.createDirectories(dir);
      // created, closed, and opened again, so that one code path owns the repository
      Git.init().setDirectory(dir.toFile()).setInitialBranch(branch).call().close();
      return open(dir);
    } catch (GitAPIException e) {
      throw new IOException("could not create a git repository at " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  /** The current branch ({@code master}); the abbreviated commit when HEAD is detached. */
  public String branch() throws IOException {
    return git.getRepository().getBranch();
  }

  /** The packages: top-level folders whose names are identifiers not starting with {@code _}. */
  public List<String> packages() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(FunctionRepository::isPackageName)
          .sorted()
          .toList();
    }
  }

  /** The function files of {@code packageName}, sorted by name. */
  public List<SourceFile> sources(String packageName) throws IOException {
    Path dir = root.resolve(packageName);
    List<SourceFile> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> isFunctionFile(p.getFileName().toString()) && Files.isRegularFile(p)).sorted().toList();
    }
    for (Path p : files) {
      String f = p.getFileName().toString();
      out.add(new SourceFile(packageName, f.substring(0, f.length() - 3), p, Files.readAllBytes(p), Files.getLastModifiedTime(p)));
    }
    return out;
  }

  /** Every function file of every package. */
  public List<SourceFile> sources() throws IOException {
    List<SourceFile> out = new ArrayList<>();
    for (String p : packages()) {
      out.addAll(sources(p));
    }
    return out;
  }

  /** Function names of {@code packageName} (the files without {@code .py}). */
  public List<String> functionNames(String packageName) throws IOException {
    return sources(packageName).stream().map(SourceFile::name).toList();
  }

  /**
   * Writes {@code packageDir/__init__.py}: {@code from .f import f} for every function file, sorted, so the package
   * imports each function by name. Atomic.
   */
  public static void writeInit(Path packageDir) throws IOException {
    if (!Files.isDirectory(packageDir)) {
      throw new IOException("no package directory " + packageDir);
    }
    StringBuilder b = new StringBuilder();
    try (Stream<Path> s = Files.list(packageDir)) {
      for (String f : s.map(p -> p.getFileName().toString()).filter(FunctionRepository::isFunctionFile).sorted().toList()) {
        String m = f.substring(0, f.length() - 3);
        b.append("from .").append(m).append(" import ").append(m).append('\n');
      }
    }
    writeAtomically(packageDir.resolve("__init__.py"), b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes} to {@code file} through a temporary file in the same directory and a rename. */
  public static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The original notes' simple commit: adds every change (new, modified, deleted), commits with {@code message} and
   * the time, and pushes the branch to {@code origin} when the repository has one.
   *
   * @throws IOException when there is nothing to commit, or git fails
   */
  public CommitResult commit(String message) throws IOException {
    try {
      var status = git.status().call();
      int changed = status.getUncommittedChanges().size() + status.getUntracked().size();
      if (status.isClean()) {
        throw new IOException("nothing to commit in " + root + " (the work tree is clean)");
      }
      git.add().addFilepattern(".").call();
      git.add().addFilepattern(".").setUpdate(true).call();
      String full = message + " " + LocalDateTime.now().format(COMMIT_TIME);
      RevCommit c = git.commit().setMessage(full).call();
      String pushed = "";
      if (git.getRepository().getConfig().getSubsections("remote").contains("origin")) {
        git.push().setRemote("origin").call();
        pushed = "origin";
      }
      return new CommitResult(c.getId().name(), full, changed, pushed);
    } catch (GitAPIException e) {
      throw new IOException("git commit in " + root + " failed: " + e.getMessage(), e);
    }
  }

  static boolean isPackageName(String name) {
    return !name.startsWith(".") && !name.startsWith("_") && FunctionKeys.isIdentifier(name);
  }

  static boolean isFunctionFile(String fileName) {
    return fileName.endsWith(".py")
        && !fileName.startsWith("_")
        && !fileName.startsWith(".")
        && FunctionKeys.isIdentifier(fileName.substring(0, fileName.length() - 3));
  }

  @Override
  public void close() {
    git.getRepository().close();
  }
}
