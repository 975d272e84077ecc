/**
 * Named, bounded worker pools with backpressure (the Go worker pool with a bounded job
 * channel).
 */
@NullMarked
package dev.sluice.pool;

import org.jspecify.annotations.NullMarked;
