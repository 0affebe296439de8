/**
 * Test-only fixtures: seeded images, launchers for real peers ({@link dev.ferry.testing.DistributionRegistry},
 * skopeo through {@link dev.ferry.testing.Peers}), and {@link dev.ferry.testing.FlakyProxy} for dropped
 * connections.
 */
package dev.ferry.testing;
