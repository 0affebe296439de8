/**
 * Daemonless image builds: {@link dev.ferry.build.ImageBuilder} runs a Dockerfile's plan (from
 * {@link dev.ferry.build.dockerfile}) into an {@link dev.ferry.oci.store.OciStore}, {@code RUN} steps through runc on an
 * overlay snapshot, with a step cache in the store ({@link dev.ferry.build.BuildCache}). See {@code docs/builds.md}.
 */
package dev.ferry.build;
