package dev.ferry.globalfunc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns a repository's function files into catalog records: hashes, line counts, and signature and docstring read by
 * Python's {@code ast} in one worker (so what is recorded is exactly what Python sees; nothing is executed).
 * Stateless.
 */
public final class Scanner {
  /** Sources per inspect request: bounds a frame's size for very large repositories. */
  private static final int BATCH = 2000;

  private Scanner() {}

  /** Scans every package of {@code repo} on its current branch into {@code space}. */
  public static List<FunctionRecord> scan(FunctionRepository repo, String space, WorkerSettings settings) throws IOException {
    return scan(repo, space, settings, java.util.Map.of());
  }

  /**
   * Scans like {@link #scan(FunctionRepository, String, WorkerSettings)}, reusing what {@code known} (by key) says
   * about files whose content hash it already has: only new and changed files go through Python.
   */
  public static List<FunctionRecord> scan(FunctionRepository repo, String space, WorkerSettings settings, java.util.Map<String, FunctionRecord> known)
      throws IOException {
    String branch = repo.branch();
    List<FunctionRepository.SourceFile> all = repo.sources();
    List<FunctionRecord> out = new ArrayList<>(all.size());
    List<FunctionRepository.SourceFile> files = new ArrayList<>();
    for (FunctionRepository.SourceFile f : all) {
      String key = FunctionKeys.key(space, f.packageName(), branch, f.name());
      FunctionRecord k = known.get(key);
      if (k != null && k.sha256().equals(hex("SHA-256", f.code()))) {
        out.add(new FunctionRecord(key, space, f.packageName(), branch, f.name(), k.code(), k.sha256(), k.md5(), f.modified().toInstant().toString(),
            k.lines(), k.signature(), k.params(), k.docstring(), k.error()));
      } else {
        files.add(f);
      }
    }
    if (files.isEmpty()) {
      return out;
    }
    try (PythonWorker w = PythonWorker.start(settings.withImportPath(java.util.Optional.empty()))) {
      for (int from = 0; from < files.size(); from += BATCH) {
        List<FunctionRepository.SourceFile> batch = files.subList(from, Math.min(files.size(), from + BATCH));
        List<String> codes = new ArrayList<>(batch.size());
        ObjectNode req = PythonWorker.JSON.createObjectNode().put("op", "inspect");
        ArrayNode sources = req.putArray("sources");
        for (FunctionRepository.SourceFile f : batch) {
          String code = decode(f);
          codes.add(code);
          sources.addObject().put("name", f.name()).put("code", code);
        }
        JsonNode answer;
        try {
          answer = w.request(req, Duration.ofMinutes(5));
        } catch (FunctionException e) {
          throw new IOException("reading signatures with " + settings.python() + " failed: " + e.getMessage(), e);
        }
        JsonNode metas = answer.path("functions");
        for (int i = 0; i < batch.size(); i++) {
          FunctionRepository.SourceFile f = batch.get(i);
          JsonNode m = metas.path(i);
          byte[] bytes = codes.get(i).getBytes(StandardCharsets.UTF_8);
          out.add(
              new FunctionRecord(
                  FunctionKeys.key(space, f.packageName(), branch, f.name()),
                  space,
                  f.packageName(),
                  branch,
                  f.name(),
                  codes.get(i),
                  hex("SHA-256", bytes),
                  hex("MD5", bytes),
                  f.modified().toInstant().toString(),
                  lines(codes.get(i)),
                  m.path("signature").asText(""),
                  m.has("params") ? m.get("params").toString() : "[]",
                  m.path("docstring").asText(""),
                  m.path("error").asText("")));
        }
      }
    }
    return out;
  }

  private static String decode(FunctionRepository.SourceFile f) throws IOException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(f.code()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException(f.path() + " is not UTF-8 text; save it as UTF-8");
    }
  }

  static int lines(String code) {
    if (code.isEmpty()) {
      return 0;
    }
    int n = 0;
    for (int i = 0; i < code.length(); i++) {
      if (code.charAt(i) == '\n') {
        n++;
      }
    }
    return code.endsWith("\n") ? n : n + 1;
  }

  static String hex(String algorithm, byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
