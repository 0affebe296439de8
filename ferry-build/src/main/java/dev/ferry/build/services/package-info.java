/**
 * Many services built together ({@code ferry build-all}): {@link dev.ferry.build.services.ServicesFile} reads
 * {@code services.yaml} or a directory of services, {@link dev.ferry.build.services.BuildAllPlan} finds each service's
 * external images (base images to prefetch) and the services it builds on, and orders them
 * ({@link dev.ferry.build.services.ServiceGraph}). See {@code docs/builds.md}.
 */
package dev.ferry.build.services;
