package dev.sluice.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * Buckets shared by every instance of the application, in Redis, through Bucket4j's Lettuce proxy manager
 * (compare-and-swap, so no lock is held in Redis). Keys are {@code <key-prefix><rule>:<key>} and expire once
 * their bucket would be full again. No request waits longer than {@code timeout} on Redis: a slower or failed
 * answer is a {@link RateLimitStoreException}, which the rule's {@code on-failure} turns into allow or 503.
 * Loaded only when {@code store: redis} and Lettuce is on the classpath.
 */
public class RedisRateLimitStore implements RateLimitStore, AutoCloseable {

	private final RedisClient client;

	private final StatefulRedisConnection<byte[], byte[]> connection;

	private final AsyncProxyManager<byte[]> buckets;

	private final Map<RateLimitRule, BucketConfiguration> configurations = new HashMap<>();

	private final Map<RateLimitRule, String> keyPrefixes = new HashMap<>();

	private final long timeoutNanos;

	/**
	 * Connects to Redis.
	 * @param uri where Redis is (Spring Boot's {@code spring.data.redis} settings)
	 * @param rules the rules it serves
	 * @param keyPrefix the prefix of every key, which keeps applications sharing a Redis apart
	 * @param timeout the longest a request may wait on Redis
	 */
	public RedisRateLimitStore(RedisURI uri, List<RateLimitRule> rules, String keyPrefix, Duration timeout) {
		this.timeoutNanos = timeout.toNanos();
		uri.setTimeout(timeout);
		this.client = RedisClient.create(uri);
		// While disconnected, fail at once rather than queue: the request answers per on-failure, and the
		// client reconnects by itself, so limiting resumes when Redis is back.
		this.client.setOptions(ClientOptions.builder()
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.autoReconnect(true)
			.build());
		this.connection = this.client.connect(ByteArrayCodec.INSTANCE);
		this.buckets = Bucket4jLettuce.casBasedBuilder(this.connection)
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ZERO))
			.build()
			.asAsync();
		for (RateLimitRule rule : rules) {
			var builder = BucketConfiguration.builder();
			for (Limit limit : rule.limits()) {
				builder.addLimit((bandwidth) -> bandwidth.capacity(limit.capacity())
					.refillGreedy(limit.refill(), limit.period()));
			}
			this.configurations.put(rule, builder.build());
			this.keyPrefixes.put(rule, keyPrefix + rule.name() + ":");
		}
	}

	@Override
	public RateLimitDecision tryConsume(RateLimitRule rule, String key) {
		ConsumptionProbe probe = await(this.buckets.builder()
			.build(redisKey(rule, key), this.configurations.get(rule))
			.tryConsumeAndReturnRemaining(1), rule);
		return new RateLimitDecision(probe.isConsumed(), probe.getRemainingTokens(),
				Duration.ofNanos(probe.isConsumed() ? 0 : probe.getNanosToWaitForRefill()),
				Duration.ofNanos(probe.getNanosToWaitForReset()));
	}

	@Override
	public void refund(RateLimitRule rule, String key) {
		await(this.buckets.builder().build(redisKey(rule, key), this.configurations.get(rule)).addTokens(1), rule);
	}

	/**
	 * Not counted: Redis holds the keys of every instance, and counting them would scan Redis.
	 * @return -1
	 */
	@Override
	public long keyCount(RateLimitRule rule) {
		return -1;
	}

	@Override
	public boolean isAvailable() {
		try {
			return "PONG".equals(this.connection.async().ping().get(this.timeoutNanos, TimeUnit.NANOSECONDS));
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
		this.connection.close();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
	}

	private byte[] redisKey(RateLimitRule rule, String key) {
		return this.keyPrefixes.get(rule).concat(key).getBytes(StandardCharsets.UTF_8);
	}

	private <T> T await(java.util.concurrent.CompletableFuture<T> answer, RateLimitRule rule) {
		try {
			return answer.get(this.timeoutNanos, TimeUnit.NANOSECONDS);
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

}
