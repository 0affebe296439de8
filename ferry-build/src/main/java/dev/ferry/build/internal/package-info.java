/** Implementation of the executor: stage state, COPY staging, RUN through overlayfs and runc, users, the cache. */
package dev.ferry.build.internal;
