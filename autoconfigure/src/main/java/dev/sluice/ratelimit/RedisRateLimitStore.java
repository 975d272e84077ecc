package dev.sluice.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import org.jspecify.annotations.Nullable;

/**
 * Buckets shared by every instance of the application, in Redis. Every decision is in one
 * Lua script run on the server ({@code EVALSHA}; the script is loaded once per connection
 * and again when a server answers {@code NOSCRIPT}): all limits of a rule refilled from
 * Redis's own clock ({@code TIME}), checked and taken together, in one round trip and
 * without retries, so it is exact however many instances share a key. A refund is the
 * same script giving a token back. Keys are {@code <key-prefix><rule>:<key>}, one per
 * rule and key (so one Cluster slot), and expire once their bucket would be full again.
 * One run per key is in flight from an instance: decisions on a hot key that arrive
 * meanwhile go to Redis together in the next run, which takes up to that many tokens
 * ({@link RedisKeyBatches}).
 * <p>
 * No request waits longer than {@code timeout} on Redis: a slower or failed answer is a
 * {@link RateLimitStoreException}, which the rule's {@code on-failure} turns into allow
 * or 503. The application starts whether or not Redis answers: the store connects in the
 * background, and until it is connected every decision is a store failure (a new attempt
 * at most once a second). Once connected, Lettuce reconnects by itself after an outage or
 * a failover. Loaded only when {@code store: redis} and Lettuce is on the classpath.
 */
public class RedisRateLimitStore implements RateLimitStore, AutoCloseable {

	private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final byte[] SCRIPT = script();

	private static final String SCRIPT_SHA = sha1(SCRIPT);

	private final ClientResources resources;

	private final AbstractRedisClient client;

	private final Function<AbstractRedisClient, CompletionStage<? extends StatefulConnection<byte[], byte[]>>> connector;

	private final AtomicReference<CompletableFuture<Connected>> connecting = new AtomicReference<>();

	private volatile Connected connected;

	private volatile long nextAttemptNanos = System.nanoTime();

	private final Map<RateLimitRule, RedisRuleScript> scripts = new IdentityHashMap<>();

	private final long timeoutNanos;

	private final RedisKeyBatches batches = new RedisKeyBatches(this::evalsha);

	/**
	 * Creates the store over one Redis, or a Sentinel-monitored master when {@code uri}
	 * names sentinels, and starts connecting without waiting.
	 * @param uri where Redis is
	 * @param rules the rules it serves
	 * @param keyPrefix the prefix of every key, which keeps applications sharing a Redis
	 * apart
	 * @param timeout the longest a request may wait on Redis
	 */
	public RedisRateLimitStore(RedisURI uri, List<RateLimitRule> rules, String keyPrefix, Duration timeout) {
		this(Topology.standalone(uri), null, rules, keyPrefix, timeout);
	}

	private RedisRateLimitStore(Topology topology, @Nullable SslOptions ssl, List<RateLimitRule> rules,
			String keyPrefix, Duration timeout) {
		this.timeoutNanos = timeout.toNanos();
		topology.nodes().forEach((node) -> node.setTimeout(timeout));
		// Reconnect soon after an outage or a failover (Lettuce's default backs off to 30
		// s).
		this.resources = ClientResources.builder()
			.reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
			.build();
		// While disconnected, fail at once rather than queue: the request answers per
		// on-failure, and the client reconnects by itself, so limiting resumes when Redis
		// is back. A command Redis has not answered within the timeout fails (the URI's
		// timeout), so no key's batch waits on a lost answer (RedisKeyBatches).
		if (topology.cluster()) {
			RedisClusterClient cluster = RedisClusterClient.create(this.resources, topology.nodes());
			ClusterClientOptions.Builder options = ClusterClientOptions.builder()
				.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
				.autoReconnect(true)
				.timeoutOptions(TimeoutOptions.enabled())
				.topologyRefreshOptions(
						ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build());
			if (ssl != null) {
				options.sslOptions(ssl);
			}
			cluster.setOptions(options.build());
			this.client = cluster;
			// the topology first (without blocking), then the connection that routes each
			// key to its master
			this.connector = (clusterClient) -> ((RedisClusterClient) clusterClient).refreshPartitionsAsync()
				.thenCompose((ignored) -> ((RedisClusterClient) clusterClient).connectAsync(ByteArrayCodec.INSTANCE));
		}
		else {
			RedisClient redis = RedisClient.create(this.resources);
			ClientOptions.Builder options = ClientOptions.builder()
				.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
				.autoReconnect(true)
				.timeoutOptions(TimeoutOptions.enabled());
			if (ssl != null) {
				options.sslOptions(ssl);
			}
			redis.setOptions(options.build());
			this.client = redis;
			if (topology.nodes().size() == 1) {
				this.connector = (client) -> ((RedisClient) client).connectAsync(ByteArrayCodec.INSTANCE,
						topology.nodes().get(0));
			}
			else {
				this.connector = (client) -> MasterReplica.connectAsync((RedisClient) client, ByteArrayCodec.INSTANCE,
						topology.nodes());
			}
		}
		for (RateLimitRule rule : rules) {
			this.scripts.put(rule, new RedisRuleScript(rule, keyPrefix));
		}
		connect();
	}

	/**
	 * Creates the store over one Redis, or a Sentinel-monitored master when {@code uri}
	 * names sentinels.
	 * @param uri where Redis is
	 * @param ssl the TLS settings; {@code null} for the defaults
	 * @param rules the rules it serves
	 * @param keyPrefix the prefix of every key
	 * @param timeout the longest a request may wait on Redis
	 * @return the store, connecting in the background
	 */
	public static RedisRateLimitStore standalone(RedisURI uri, @Nullable SslOptions ssl, List<RateLimitRule> rules,
			String keyPrefix, Duration timeout) {
		return new RedisRateLimitStore(Topology.standalone(uri), ssl, rules, keyPrefix, timeout);
	}

	/**
	 * Creates the store over a Redis Cluster; each key lives in one slot, so each
	 * decision goes to one master.
	 * @param nodes some of the cluster's nodes, to learn the topology from
	 * @param ssl the TLS settings; {@code null} for the defaults
	 * @param rules the rules it serves
	 * @param keyPrefix the prefix of every key
	 * @param timeout the longest a request may wait on Redis
	 * @return the store, connecting in the background
	 */
	public static RedisRateLimitStore cluster(List<RedisURI> nodes, @Nullable SslOptions ssl, List<RateLimitRule> rules,
			String keyPrefix, Duration timeout) {
		return new RedisRateLimitStore(new Topology(List.copyOf(nodes), true), ssl, rules, keyPrefix, timeout);
	}

	/**
	 * Creates the store over a static master and its replicas; decisions go to the
	 * master.
	 * @param nodes the master and replicas
	 * @param ssl the TLS settings; {@code null} for the defaults
	 * @param rules the rules it serves
	 * @param keyPrefix the prefix of every key
	 * @param timeout the longest a request may wait on Redis
	 * @return the store, connecting in the background
	 */
	public static RedisRateLimitStore masterReplica(List<RedisURI> nodes, @Nullable SslOptions ssl,
			List<RateLimitRule> rules, String keyPrefix, Duration timeout) {
		return new RedisRateLimitStore(new Topology(List.copyOf(nodes), false), ssl, rules, keyPrefix, timeout);
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
		this.connector.apply(this.client).whenComplete((connection, failure) -> {
			if (failure != null) {
				this.nextAttemptNanos = System.nanoTime() + RETRY_NANOS;
				this.connecting.set(null);
				fresh.completeExceptionally(failure);
				return;
			}
			Connected made = Connected.of(connection);
			// Loaded once up front; a server that lost it (a restart, a failover, a new
			// Cluster node) answers
			// NOSCRIPT, and run() sends the script itself there.
			made.scripting().scriptLoad(SCRIPT).whenComplete((sha, ignored) -> {
				this.connected = made;
				fresh.complete(made);
			});
		});
		return fresh;
	}

	/**
	 * Takes a token in the key's next script run: one run per key is in flight from this
	 * instance, and the decisions that arrive meanwhile go together in the next
	 * ({@link RedisKeyBatches}).
	 */
	@Override
	public RateLimitDecision tryConsume(RateLimitRule rule, String key) {
		RedisRuleScript script = script(rule);
		long start = System.nanoTime();
		awaitConnected(rule, start);
		return await(this.batches.consume(script, key), rule, start);
	}

	@Override
	public void refund(RateLimitRule rule, String key) {
		RedisRuleScript script = script(rule);
		long start = System.nanoTime();
		awaitConnected(rule, start);
		await(evalsha(script.redisKey(key), script.refund), rule, start);
	}

	/**
	 * Not counted: Redis holds the keys of every instance, and counting one rule's would
	 * scan Redis, so this store has no {@code sluice.ratelimit.keys} gauge.
	 * @return empty
	 */
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
			return "PONG".equals(current.base().ping().get(this.timeoutNanos, TimeUnit.NANOSECONDS));
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
		this.resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
	}

	/**
	 * Connects first if need be; one timeout from {@code start} covers connecting and
	 * answering.
	 */
	private void awaitConnected(RateLimitRule rule, long start) {
		if (this.connected == null) {
			// A request that gives up waiting cancels its copy, not the attempt other
			// requests wait for.
			await(connect().copy(), rule, start);
		}
	}

	/**
	 * One run of the script on the connection, sending the script itself where the server
	 * answers {@code NOSCRIPT}.
	 */
	private CompletableFuture<List<Object>> evalsha(byte[] key, byte[][] args) {
		Connected current = this.connected;
		if (current == null) {
			return CompletableFuture.failedFuture(new IllegalStateException("Redis is not connected"));
		}
		byte[][] keys = { key };
		RedisScriptingAsyncCommands<byte[], byte[]> scripting = current.scripting();
		return scripting.<List<Object>>evalsha(SCRIPT_SHA, ScriptOutputType.MULTI, keys, args)
			.toCompletableFuture()
			.exceptionallyCompose((failure) -> (unwrap(failure) instanceof RedisNoScriptException)
					? scripting.<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args)
					: CompletableFuture.failedFuture(failure));
	}

	private RedisRuleScript script(RateLimitRule rule) {
		RedisRuleScript script = this.scripts.get(rule);
		if (script == null) {
			throw new IllegalArgumentException("Unknown rule " + rule.name());
		}
		return script;
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

	private static Throwable unwrap(Throwable failure) {
		while (failure instanceof CompletionException && failure.getCause() != null) {
			failure = failure.getCause();
		}
		return failure;
	}

	private static byte[] script() {
		try (InputStream in = RedisRateLimitStore.class.getResourceAsStream("token-bucket.lua")) {
			if (in == null) {
				throw new IllegalStateException("token-bucket.lua is missing from the classpath");
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String sha1(byte[] script) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Where the store connects: the nodes, and whether they form a Cluster. */
	private record Topology(List<RedisURI> nodes, boolean cluster) {

		static Topology standalone(RedisURI uri) {
			return new Topology(List.of(uri), false);
		}

	}

	/**
	 * The connection and its commands (a standalone, Sentinel-led, master-replica or
	 * Cluster connection).
	 */
	private record Connected(StatefulConnection<byte[], byte[]> connection,
			RedisScriptingAsyncCommands<byte[], byte[]> scripting, BaseRedisAsyncCommands<byte[], byte[]> base) {

		@SuppressWarnings("unchecked")
		static Connected of(StatefulConnection<byte[], byte[]> connection) {
			Object commands;
			if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
				commands = cluster.async();
			}
			else {
				commands = ((StatefulRedisConnection<byte[], byte[]>) connection).async();
			}
			return new Connected(connection, (RedisScriptingAsyncCommands<byte[], byte[]>) commands,
					(BaseRedisAsyncCommands<byte[], byte[]>) commands);
		}

	}

}
