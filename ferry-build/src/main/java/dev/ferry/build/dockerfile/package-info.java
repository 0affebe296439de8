/**
 * The Dockerfile frontend: parsing a Dockerfile into an immutable model, variable expansion, {@code ARG}/{@code ENV}
 * scoping, the stage graph of a build, and {@code .dockerignore} matching. Pure: it reads only the Dockerfile and
 * {@code .dockerignore} text and lists a context directory for {@code COPY} globs; it executes nothing.
 *
 * <p>Entry points: {@link dev.ferry.build.dockerfile.DockerfileParser#parse(String, String)} gives a
 * {@link dev.ferry.build.dockerfile.Dockerfile}; {@link dev.ferry.build.dockerfile.BuildPlan#of} resolves it for a
 * build ({@link dev.ferry.build.dockerfile.BuildOptions}: build args, platforms, target) into
 * {@link dev.ferry.build.dockerfile.ResolvedStage}s whose {@link dev.ferry.build.dockerfile.Step}s carry each
 * instruction expanded with the {@link dev.ferry.build.dockerfile.StageEnvironment} it runs in;
 * {@link dev.ferry.build.dockerfile.DockerIgnore} and {@link dev.ferry.build.dockerfile.ContextFiles} resolve
 * {@code COPY} sources. Every syntax or planning error is a {@link dev.ferry.build.dockerfile.DockerfileException}
 * with {@code file:line:column}. All public types are immutable and thread-safe.
 *
 * @see <a href="https://docs.docker.com/reference/dockerfile/">Dockerfile reference</a>
 */
package dev.ferry.build.dockerfile;
