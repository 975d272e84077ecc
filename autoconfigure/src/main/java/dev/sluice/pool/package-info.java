/**
 * Named, bounded worker pools with backpressure (the Go worker pool with a bounded job channel).
 */
package dev.sluice.pool;
