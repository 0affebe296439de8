package dev.ferry.cli;

import picocli.CommandLine.IVersionProvider;

/** Reads Ferry's version from the jar manifest (or says it runs from a checkout). */
final class Version implements IVersionProvider {
  static String version() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  @Override
  public String[] getVersion() {
    return new String[] {"ferry " + version() + " (Java " + Runtime.version() + ")"};
  }
}
