/** Daemonless image builds: Dockerfiles parsed into stage graphs, executed into the content store. */
package dev.ferry.build;
