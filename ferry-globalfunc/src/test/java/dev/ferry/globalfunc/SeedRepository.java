package dev.ferry.globalfunc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GlobalFunc repository for tests, made with JGit: the original notes' {@code Base.inverse_time_str} and
 * {@code Base.to_pickle}, and functions that print, raise, do not compile, sleep, crash, return what JSON cannot hold,
 * or allocate; plus files and folders a scan must skip.
 */
final class SeedRepository {
  static final String INVERSE_TIME_STR =
      """
      import time

      def inverse_time_str(time_str = None, bias_hours = 0):
          ts = time.mktime (time.strptime(time_str,"%Y-%m-%d %H:%M:%S")) + bias_hours* 3600
          return ts

      \"\"\"
      你的 inverse_time_str 函数用于将时间字符串转换回时间戳，考虑了时区偏移。该函数接受一个时间字符串和偏移小时数，并返回一个时间戳（以秒为单位）。
      \"\"\"
      """;

  static final String TO_PICKLE =
      """
      import pickle
      def to_pickle(data = None, file_name = None, path='./'):
          output = open(path+file_name+'.pkl', 'wb')
          pickle.dump(data, output)
          output.close()
          print('data save to pickle: ', path+file_name+'.pkl')
      """;

  static Map<String, String> files() {
    Map<String, String> m = new TreeMap<>();
    m.put("Base/inverse_time_str.py", INVERSE_TIME_STR);
    m.put("Base/to_pickle.py", TO_PICKLE);
    m.put(
        "Base/greet.py",
        """
        def greet(name: str, punctuation: str = "!") -> str:
            \"\"\"Say hello to someone by name.

            Prints a line too, which must not reach the protocol.\"\"\"
            print("greeting", name)
            return "hello " + name + punctuation
        """);
    m.put("Base/boom.py", "def boom(message='boom'):\n    raise ValueError(message)\n");
    m.put("Base/broken.py", "def broken(:\n    return 1\n");
    m.put("Base/slow.py", "import time\n\ndef slow(seconds=0.0):\n    time.sleep(seconds)\n    return seconds\n");
    m.put("Base/crash.py", "import os, signal\n\ndef crash(kill=False):\n    if kill:\n        os.kill(os.getpid(), signal.SIGKILL)\n    return os.getpid()\n");
    m.put("Base/make_set.py", "def make_set():\n    return {1, 2}\n");
    m.put("Base/hog.py", "def hog(megabytes=1):\n    block = bytearray(megabytes * 1024 * 1024)\n    return len(block)\n");
    m.put("Tools/add.py", "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n");
    m.put("Tools/add_twice.py", "from .add import add\n\ndef add_twice(a, b):\n    return add(add(a, b), b)\n");
    m.put("Tools/_helper.py", "def _helper():\n    return 0\n");
    m.put("Tools/README.md", "not a function\n");
    m.put("_private/hidden.py", "def hidden():\n    return 0\n");
    m.put(".hidden/secret.py", "def secret():\n    return 0\n");
    return m;
  }

  /** Creates the repository at {@code dir} on branch master with every file, committed. */
  static FunctionRepository create(Path dir) throws IOException {
    FunctionRepository repo = FunctionRepository.create(dir, "master");
    for (Map.Entry<String, String> e : files().entrySet()) {
      Path p = dir.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, e.getValue());
    }
    repo.commit("seed functions");
    return repo;
  }

  /** Worker settings for tests: the machine's python3, with the time zone the original notes' answer assumes. */
  static WorkerSettings settings() {
    return WorkerSettings.defaults().withEnvironment(Map.of("TZ", "UTC"));
  }

  private SeedRepository() {}
}
