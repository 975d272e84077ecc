package dev.sluice.pool;

import java.time.Duration;
import java.util.List;

/**
 * What draining one pool at shutdown came to.
 *
 * @param pool the pool's name
 * @param completed tasks that completed between the start of the drain and its end
 * @param abandoned tasks accepted but never completed, each with its id
 * @param took how long the drain took
 */
public record PoolDrain(String pool, long completed, List<UnfinishedTask> abandoned, Duration took) {

}
