package dev.sluice.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.RateLimitDecision;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimitStore;
import dev.sluice.ratelimit.RateLimitStoreException;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * The Redis store as it was before issue 14, kept for the before/after benchmark only:
 * buckets through Bucket4j's Lettuce proxy manager (compare-and-swap, so no lock is held
 * in Redis). Keys are {@code <key-prefix><rule>:<key>} and expire once their bucket would
 * be full again. No request waits longer than {@code timeout} on Redis: a slower or
 * failed answer is a {@link RateLimitStoreException}, which the rule's {@code on-failure}
 * turns into allow or 503.
 * <p>
 * The application starts whether or not Redis answers: the store connects in the
 * background, and until it is connected every decision is a store failure (a new attempt
 * at most once a second). Once connected, Lettuce reconnects by itself after an outage.
 * Loaded only when {@code store: redis} and Lettuce is on the classpath.
 */
public class CasRedisRateLimitStore implements RateLimitStore, AutoCloseable {

	private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final RedisClient client;

	private final RedisURI uri;

	private final AtomicReference<CompletableFuture<Connected>> connecting = new AtomicReference<>();

	private volatile Connected connected;

	private volatile long nextAttemptNanos = System.nanoTime();

	private final Map<RateLimitRule, BucketConfiguration> configurations = new HashMap<>();

	private final Map<RateLimitRule, String> keyPrefixes = new HashMap<>();

	private final long timeoutNanos;

	/**
	 * Creates the store and starts connecting to Redis, without waiting for it.
	 * @param uri where Redis is (Spring Boot's {@code spring.data.redis} settings)
	 * @param rules the rules it serves
	 * @param keyPrefix the prefix of every key, which keeps applications sharing a Redis
	 * apart
	 * @param timeout the longest a request may wait on Redis
	 */
	public CasRedisRateLimitStore(RedisURI uri, List<RateLimitRule> rules, String keyPrefix, Duration timeout) {
		this.timeoutNanos = timeout.toNanos();
		uri.setTimeout(timeout);
		this.uri = uri;
		this.client = RedisClient.create();
		// While disconnected, fail at once rather than queue: the request answers per
		// on-failure, and the
		// client reconnects by itself, so limiting resumes when Redis is back.
		this.client.setOptions(ClientOptions.builder()
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.autoReconnect(true)
			.build());
		for (RateLimitRule rule : rules) {
			var builder = BucketConfiguration.builder();
			for (Limit limit : rule.limits()) {
				builder.addLimit((bandwidth) -> bandwidth.capacity(limit.capacity())
					.refillGreedy(limit.refill(), limit.period()));
			}
			this.configurations.put(rule, builder.build());
			this.keyPrefixes.put(rule, keyPrefix + rule.name() + ":");
		}
		connect();
	}

	/**
	 * The key's bucket in Redis, once connected; connecting counts against the request's
	 * one timeout.
	 */
	private AsyncBucketProxy bucket(RateLimitRule rule, String key, long start) {
		Connected current = this.connected;
		if (current == null) {
			// A request that gives up waiting cancels its copy, not the attempt other
			// requests wait for.
			current = await(connect().copy(), rule, start);
		}
		return current.buckets().builder().build(redisKey(rule, key), this.configurations.get(rule));
	}

	/**
	 * The connection, or the attempt to make one: a new attempt starts when none runs and
	 * the last failed over a second ago, so a Redis that is down costs one connection
	 * attempt per second, not one per request.
	 */
	private CompletableFuture<Connected> connect() {
		Connected current = this.connected;
		if (current != null) {
			return CompletableFuture.completedFuture(current);
		}
		CompletableFuture<Connected> attempt = this.connecting.get();
		if (attempt != null) {
			return attempt;
		}
		if (System.nanoTime() - this.nextAttemptNanos < 0) {
			return CompletableFuture.failedFuture(new IllegalStateException("Redis is not connected"));
		}
		CompletableFuture<Connected> fresh = new CompletableFuture<>();
		if (!this.connecting.compareAndSet(null, fresh)) {
			return connect();
		}
		this.client.connectAsync(ByteArrayCodec.INSTANCE, this.uri).whenComplete((connection, failure) -> {
			if (failure != null) {
				this.nextAttemptNanos = System.nanoTime() + RETRY_NANOS;
				this.connecting.set(null);
				fresh.completeExceptionally(failure);
				return;
			}
			Connected made = new Connected(connection, Bucket4jLettuce.casBasedBuilder(connection)
				.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ZERO))
				.build()
				.asAsync());
			this.connected = made;
			fresh.complete(made);
		});
		return fresh;
	}

	@Override
	public RateLimitDecision tryConsume(RateLimitRule rule, String key) {
		long start = System.nanoTime();
		ConsumptionProbe probe = await(bucket(rule, key, start).tryConsumeAndReturnRemaining(1), rule, start);
		return new RateLimitDecision(probe.isConsumed(), probe.getRemainingTokens(),
				probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill()),
				Duration.ofNanos(probe.getNanosToWaitForReset()));
	}

	@Override
	public void refund(RateLimitRule rule, String key) {
		long start = System.nanoTime();
		await(bucket(rule, key, start).addTokens(1), rule, start);
	}

	@Override
	public OptionalLong keyCount(RateLimitRule rule) {
		return OptionalLong.empty();
	}

	@Override
	public boolean isAvailable() {
		Connected current = this.connected;
		if (current == null) {
			connect();
			return false;
		}
		try {
			return "PONG".equals(current.connection().async().ping().get(this.timeoutNanos, TimeUnit.NANOSECONDS));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		// Closes the connection too, and one still being made.
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
	}

	private byte[] redisKey(RateLimitRule rule, String key) {
		return this.keyPrefixes.get(rule).concat(key).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Waits for Redis until {@code timeout} after {@code start}: one budget for
	 * connecting and answering.
	 */
	private <T> T await(CompletableFuture<T> answer, RateLimitRule rule, long start) {
		try {
			return answer.get(Math.max(0, this.timeoutNanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RateLimitStoreException("Interrupted waiting for Redis (rule '" + rule.name() + "')", ex);
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			answer.cancel(false);
			throw new RateLimitStoreException("Redis did not answer in time (rule '" + rule.name() + "')", ex);
		}
	}

	private record Connected(StatefulRedisConnection<byte[], byte[]> connection, AsyncProxyManager<byte[]> buckets) {
	}

}
