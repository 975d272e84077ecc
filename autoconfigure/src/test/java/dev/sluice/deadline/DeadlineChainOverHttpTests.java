package dev.sluice.deadline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three Sluice applications in one JVM, each on its own random port: A calls B through
 * {@code RestClient}, B calls C through {@code WebClient}. A's route allows 1 s; C's
 * handler sleeps 5 s. The budget shrinks along the chain, and when A's deadline passes
 * the work stops in all three services. All times are {@link System#nanoTime()} readings
 * of this one JVM, so the services' records compare directly with A's deadline.
 */
class DeadlineChainOverHttpTests {

	private static final Logger logger = LoggerFactory.getLogger(DeadlineChainOverHttpTests.class);

	private static final String HEADER = "X-Request-Timeout-Ms";

	private static final long NO_TIME = Long.MIN_VALUE;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void aDeadlineSetInTheFirstServiceShrinksAlongTheChainAndStopsTheWorkInEveryService() throws Exception {
		try (ConfigurableApplicationContext c = start(ServiceC.class);
				ConfigurableApplicationContext b = start(ServiceB.class, "chain.next=" + base(c));
				ConfigurableApplicationContext a = start(ServiceA.class, "chain.next=" + base(b),
						"sluice.deadline.routes[0].paths=/chain/slow", "sluice.deadline.routes[0].timeout=1s")) {
			// One request through the whole chain first (under the 10 s default): each
			// server, client and connection
			// is warm when timed.
			HttpResponse<String> warm = get(a, "/chain/warm");
			assertThat(warm.statusCode()).isEqualTo(200);
			assertThat(Long.parseLong(warm.body())).isPositive().isLessThan(10_000);

			ServiceA.Endpoint serviceA = a.getBean(ServiceA.Endpoint.class);
			ServiceB.Endpoint serviceB = b.getBean(ServiceB.Endpoint.class);
			ServiceC.Endpoint serviceC = c.getBean(ServiceC.Endpoint.class);
			long start = System.nanoTime();
			HttpResponse<String> response = get(a, "/chain/slow");
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

			assertThat(response.statusCode()).isEqualTo(504);
			assertThat(response.body()).contains("deadline-exceeded");
			assertThat(millis).as("A answers at its 1 s deadline").isBetween(1_000L, 1_150L);

			await().atMost(Duration.ofSeconds(10))
				.until(() -> serviceB.ended.get() != NO_TIME && serviceC.ended.get() != NO_TIME);
			long deadlineOfA = serviceA.deadline.get().expiresAtNanos();
			logger.info(
					"Chain: A answered in {} ms; inbound budgets B {} ms, C {} ms; after A's deadline: "
							+ "C interrupted {} ms, C ended {} ms, B ended {} ms",
					millis, serviceB.inbound.get(), serviceC.inbound.get(),
					millisAfter(deadlineOfA, serviceC.interrupted.get()),
					millisAfter(deadlineOfA, serviceC.ended.get()), millisAfter(deadlineOfA, serviceB.ended.get()));
			assertThat(serviceB.inbound.get()).as("B's inbound budget, below A's 1,000 ms")
				.isPositive()
				.isLessThan(1_000);
			assertThat(serviceC.inbound.get()).as("C's inbound budget, below B's")
				.isPositive()
				.isLessThan(serviceB.inbound.get());
			assertThat(serviceC.interrupted.get()).as("when C's handler was interrupted").isNotEqualTo(NO_TIME);
			assertThat(millisAfter(deadlineOfA, serviceC.interrupted.get())).as("C interrupted, ms after A's deadline")
				.isLessThanOrEqualTo(150);
			assertThat(millisAfter(deadlineOfA, serviceC.ended.get())).as("C's handler ended, ms after A's deadline")
				.isLessThanOrEqualTo(250);
			assertThat(millisAfter(deadlineOfA, serviceB.ended.get())).as("B's handler ended, ms after A's deadline")
				.isLessThanOrEqualTo(250);
			assertThat(serviceB.failure.get()).as("what ended B's WebClient call").isNotNull();
		}
	}

	private static long millisAfter(long deadlineNanos, long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos - deadlineNanos);
	}

	private static ConfigurableApplicationContext start(Class<?> service, String... properties) {
		return new SpringApplicationBuilder(service).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"spring.jmx.enabled=false", "sluice.deadline.default-timeout=10s")
			.properties(properties)
			.run();
	}

	private static String base(ConfigurableApplicationContext context) {
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
	}

	private HttpResponse<String> get(ConfigurableApplicationContext context, String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create(base(context) + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * The first service: its route sets the deadline; it calls B through
	 * {@code RestClient}.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(ServiceA.Endpoint.class)
	static class ServiceA {

		@RestController
		static class Endpoint {

			final AtomicReference<Deadline> deadline = new AtomicReference<>();

			private final RestClient next;

			Endpoint(RestClient.Builder builder, @Value("${chain.next}") String next) {
				this.next = builder.baseUrl(next).build();
			}

			@GetMapping("/chain/warm")
			String warm() {
				return this.next.get().uri("/chain/warm").retrieve().body(String.class);
			}

			@GetMapping("/chain/slow")
			String slow() {
				this.deadline.set(Deadline.current().orElseThrow());
				return this.next.get().uri("/chain/slow").retrieve().body(String.class);
			}

		}

	}

	/**
	 * The second service: its deadline comes from A's header; it calls C through
	 * {@code WebClient}.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(ServiceB.Endpoint.class)
	static class ServiceB {

		@RestController
		static class Endpoint {

			final AtomicLong inbound = new AtomicLong();

			final AtomicLong ended = new AtomicLong(NO_TIME);

			final AtomicReference<Throwable> failure = new AtomicReference<>();

			private final WebClient next;

			Endpoint(WebClient.Builder builder, @Value("${chain.next}") String next) {
				this.next = builder.baseUrl(next).build();
			}

			@GetMapping("/chain/warm")
			String warm() {
				return this.next.get().uri("/chain/warm").retrieve().bodyToMono(String.class).block();
			}

			@GetMapping("/chain/slow")
			String slow(@RequestHeader(HEADER) long budget) {
				this.inbound.set(budget);
				try {
					return this.next.get().uri("/chain/slow").retrieve().bodyToMono(String.class).block();
				}
				catch (RuntimeException ex) {
					this.failure.set(ex);
					throw ex;
				}
				finally {
					this.ended.set(System.nanoTime());
				}
			}

		}

	}

	/**
	 * The last service: its deadline comes from B's header; its handler sleeps 5 s and
	 * records its interrupt.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(ServiceC.Endpoint.class)
	static class ServiceC {

		@RestController
		static class Endpoint {

			final AtomicLong inbound = new AtomicLong();

			final AtomicLong interrupted = new AtomicLong(NO_TIME);

			final AtomicLong ended = new AtomicLong(NO_TIME);

			@GetMapping("/chain/warm")
			String warm(@RequestHeader(HEADER) String budget) {
				return budget;
			}

			@GetMapping("/chain/slow")
			String slow(@RequestHeader(HEADER) long budget) throws InterruptedException {
				this.inbound.set(budget);
				try {
					Thread.sleep(5_000);
					return "slept";
				}
				catch (InterruptedException ex) {
					this.interrupted.set(System.nanoTime());
					throw ex;
				}
				finally {
					this.ended.set(System.nanoTime());
				}
			}

		}

	}

}
