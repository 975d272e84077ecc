package dev.sluice.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPools;
import dev.sluice.ratelimit.OnStoreFailure;
import dev.sluice.ratelimit.RateLimiters;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code sluice} health contributor: DOWN when the rate-limit store cannot be reached
 * and {@code on-failure} is {@code reject} (every limited request would be refused); the
 * saturation of every pool in its details.
 */
public class SluiceHealthIndicator extends AbstractHealthIndicator {

	private final Supplier<WorkerPools> pools;

	private final Supplier<RateLimiters> rateLimiters;

	/**
	 * Creates the indicator.
	 * @param pools the pools, or a supplier of {@code null}
	 * @param rateLimiters the rate limiters, or a supplier of {@code null}
	 */
	public SluiceHealthIndicator(Supplier<WorkerPools> pools, Supplier<RateLimiters> rateLimiters) {
		super("Sluice health check failed");
		this.pools = pools;
		this.rateLimiters = rateLimiters;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		builder.up();
		RateLimiters limiters = this.rateLimiters.get();
		if (limiters != null) {
			boolean available = limiters.isStoreAvailable();
			builder.withDetail("rateLimitStore", available ? "available" : "unreachable");
			if (!available && limiters.onStoreFailure() == OnStoreFailure.REJECT) {
				builder.down();
			}
		}
		WorkerPools workerPools = this.pools.get();
		if (workerPools != null) {
			Map<String, Object> saturation = new LinkedHashMap<>();
			for (WorkerPool pool : workerPools.getPools()) {
				Map<String, Object> detail = new LinkedHashMap<>();
				detail.put("active", pool.getActiveCount());
				detail.put("size", pool.getSpec().size());
				detail.put("queued", pool.getQueuedCount());
				detail.put("queueCapacity", pool.getSpec().queueCapacity());
				saturation.put(pool.getName(), detail);
			}
			builder.withDetail("pools", saturation);
		}
	}

}
