package dev.sluice.ratelimit.redis;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.ratelimit.RateLimiters;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store on a real Sentinel set-up that this test starts on loopback (a master,
 * a replica, one sentinel), configured the Spring Boot way
 * ({@code spring.data.redis.sentinel.*}): the master is stopped while two instances take
 * traffic, the sentinel promotes the replica, and the limit holds: exactly the capacity
 * is admitted over the whole run, every request the failover touches is answered 503
 * within the timeout (on-failure reject) and counted as a store error, and limiting
 * resumes on the new master without a restart.
 */
class RedisSentinelOverHttpTests {

	private static final long TIMEOUT_MILLIS = 300;

	@Test
	void aFailoverDuringTrafficCostsAtMostTheTimeoutPerRequestIsCountedAndTheLimitHolds() throws Exception {
		try (RedisProcesses redis = new RedisProcesses()) {
			int master = redis.server();
			int replica = redis.server("--replicaof", "127.0.0.1", Integer.toString(master));
			await().atMost(Duration.ofSeconds(20))
				.until(() -> redis.cli(replica, "info", "replication").contains("master_link_status:up"));
			int sentinel = redis.sentinel("sluice", master);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> redis.cli(sentinel, "sentinel", "replicas", "sluice").contains(Integer.toString(replica)));
			String prefix = "sluice:test:" + UUID.randomUUID() + ":";
			try (ConfigurableApplicationContext one = start(prefix, sentinel);
					ConfigurableApplicationContext two = start(prefix, sentinel)) {
				ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
				AtomicLong slowest = new AtomicLong();
				AtomicBoolean stop = new AtomicBoolean();
				CountDownLatch twentyAdmitted = new CountDownLatch(20);
				ExecutorService clients = Executors.newFixedThreadPool(4);
				try {
					List<Future<?>> running = new java.util.ArrayList<>();
					for (int c = 0; c < 4; c++) {
						ConfigurableApplicationContext app = (c % 2 == 0) ? one : two;
						running.add(clients.submit(() -> {
							while (!stop.get()) {
								long start = System.nanoTime();
								HttpResponse<String> response = LimitedApps.get(app, "/limited/failover");
								slowest.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
										Math::max);
								statuses.add(response.statusCode());
								if (response.statusCode() == 200) {
									twentyAdmitted.countDown();
								}
								Thread.sleep(50);
							}
							return null;
						}));
					}
					assertThat(twentyAdmitted.await(30, TimeUnit.SECONDS)).isTrue();
					redis.stop(master); // SIGTERM: a master waits for its replica to
										// catch up before it exits
					await().atMost(Duration.ofSeconds(60))
						.until(() -> redis.cli(sentinel, "sentinel", "get-master-addr-by-name", "sluice")
							.contains(Integer.toString(replica)));
					// limiting resumes on the new master, from both instances, without a
					// restart
					long seen = statuses.size();
					await().atMost(Duration.ofSeconds(30))
						.until(() -> statuses.stream().skip(seen).filter((status) -> status == 429).count() >= 8);
					stop.set(true);
					for (Future<?> client : running) {
						client.get(30, TimeUnit.SECONDS);
					}
				}
				finally {
					stop.set(true);
					clients.shutdownNow();
				}
				List<Integer> all = List.copyOf(statuses);
				System.out.println("Sentinel failover during traffic: " + all.size() + " requests, "
						+ LimitedApps.count(all, 200) + " admitted, " + LimitedApps.count(all, 429) + " limited, "
						+ LimitedApps.count(all, 503) + " store errors; slowest answer " + slowest.get() + " ms");
				assertThat(LimitedApps.count(all, 200)).as("admitted over the whole run").isEqualTo(40);
				long unavailable = LimitedApps.count(all, 503);
				assertThat(unavailable).as("requests the failover touched").isPositive();
				assertThat(LimitedApps.storeErrors(one, "failover") + LimitedApps.storeErrors(two, "failover"))
					.isEqualTo(unavailable);
				assertThat(LimitedApps.count(all, 200) + LimitedApps.count(all, 429) + unavailable)
					.isEqualTo(all.size());
				// the timeout plus a margin for a loaded 2-core machine
				assertThat(slowest.get()).as("slowest answer, ms").isLessThanOrEqualTo(TIMEOUT_MILLIS + 1_000);
			}
		}
	}

	private static ConfigurableApplicationContext start(String prefix, int sentinel) {
		ConfigurableApplicationContext app = LimitedApps.start(List.of("--spring.data.redis.sentinel.master=sluice",
				"--spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel,
				"--sluice.rate-limit.redis.key-prefix=" + prefix,
				"--sluice.rate-limit.redis.timeout=" + TIMEOUT_MILLIS + "ms",
				"--sluice.rate-limit.redis.on-failure=reject", "--sluice.rate-limit.rules[0].name=failover",
				"--sluice.rate-limit.rules[0].paths=/limited/failover", "--sluice.rate-limit.rules[0].key=global",
				"--sluice.rate-limit.rules[0].limits[0].capacity=40",
				"--sluice.rate-limit.rules[0].limits[0].refill=40",
				"--sluice.rate-limit.rules[0].limits[0].period=1h"));
		await().atMost(Duration.ofSeconds(20)).until(() -> app.getBean(RateLimiters.class).isStoreAvailable());
		return app;
	}

}
