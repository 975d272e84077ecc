package dev.sluice.deadline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.group.TaskGroup;
import dev.sluice.group.TaskGroups;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.MDC;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * Endpoints the deadline tests call over real HTTP.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(DeadlineTestApp.Endpoints.class)
class DeadlineTestApp {

	@RestController
	static class Endpoints {

		final RestClient restClient;

		final RestClient.Builder restClientBuilder;

		final WebClient webClient;

		final TaskGroups taskGroups;

		final AtomicInteger interruptedOnEntry = new AtomicInteger();

		Endpoints(RestClient.Builder builder, WebClient.Builder webClientBuilder, TaskGroups taskGroups) {
			this.restClient = builder.build();
			this.restClientBuilder = builder;
			this.webClient = webClientBuilder.build();
			this.taskGroups = taskGroups;
		}

		@GetMapping({ "/sleep", "/default/sleep" })
		String sleep() throws InterruptedException {
			Thread.sleep(60_000);
			return "woke up";
		}

		@GetMapping("/downstream/slow")
		String slowDownstream() throws InterruptedException {
			Thread.sleep(5_000);
			return "slow";
		}

		@GetMapping("/downstream/echo")
		String echo(@RequestHeader(name = "X-Request-Timeout-Ms", required = false) String budget) {
			return String.valueOf(budget);
		}

		@GetMapping("/call/slow")
		String callSlow(HttpServletRequest request) {
			return this.restClient.get().uri(base(request) + "/downstream/slow").retrieve().body(String.class);
		}

		@GetMapping("/call/echo")
		String callEcho(HttpServletRequest request) {
			return this.restClient.get().uri(base(request) + "/downstream/echo").retrieve().body(String.class);
		}

		@GetMapping("/call/after-expiry")
		String callAfterExpiry(@org.springframework.web.bind.annotation.RequestParam int port) {
			Deadline deadline = Deadline.current().orElseThrow();
			while (!deadline.isExpired()) {
				try {
					Thread.sleep(10);
				}
				catch (InterruptedException ex) {
					// the watchdog's interrupt; this handler insists on calling late
				}
			}
			return this.restClient.get().uri("http://127.0.0.1:" + port + "/").retrieve().body(String.class);
		}

		@GetMapping("/call/webclient/echo")
		String webClientEcho(HttpServletRequest request) {
			return this.webClient.get()
				.uri(base(request) + "/downstream/echo")
				.retrieve()
				.bodyToMono(String.class)
				.block();
		}

		@GetMapping("/call/webclient/echo-subscribed-elsewhere")
		String webClientEchoSubscribedOnAnotherThread(HttpServletRequest request) {
			Mono<String> call = this.webClient.get()
				.uri(base(request) + "/downstream/echo")
				.retrieve()
				.bodyToMono(String.class);
			return call.subscribeOn(Schedulers.boundedElastic()).block(); // no deadline
																			// on the
																			// subscribing
																			// thread
		}

		@GetMapping("/call/webclient/slow")
		String webClientSlow(HttpServletRequest request) {
			return this.webClient.get()
				.uri(base(request) + "/downstream/slow")
				.retrieve()
				.bodyToMono(String.class)
				.block();
		}

		@GetMapping("/call/webclient/after-expiry")
		String webClientAfterExpiry(@org.springframework.web.bind.annotation.RequestParam int port) {
			Deadline deadline = Deadline.current().orElseThrow();
			while (!deadline.isExpired()) {
				Thread.onSpinWait();
			}
			return this.webClient.get()
				.uri("http://127.0.0.1:" + port + "/")
				.retrieve()
				.bodyToMono(String.class)
				.block();
		}

		@GetMapping("/call/exchange/echo")
		String httpExchangeEcho(HttpServletRequest request) {
			return downstream(request).echo();
		}

		@GetMapping("/call/exchange/slow")
		String httpExchangeSlow(HttpServletRequest request) {
			return downstream(request).slow();
		}

		@GetMapping("/mdc")
		String mdc() {
			return String.valueOf(MDC.get("deadline"));
		}

		private Downstream downstream(HttpServletRequest request) {
			RestClient client = this.restClientBuilder.clone().baseUrl(base(request)).build();
			return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client))
				.build()
				.createClient(Downstream.class);
		}

		@GetMapping("/late/ignores-interrupt")
		String lateIgnoringTheInterrupt() {
			long end = System.nanoTime() + 1_300_000_000L; // CPU-bound work that never
															// looks at the interrupt
			while (System.nanoTime() < end) {
				Thread.onSpinWait();
			}
			return "x".repeat(100_000); // larger than the response buffer: written and
										// flushed to the socket
		}

		@GetMapping("/late/small")
		String lateSmall() {
			long end = System.nanoTime() + 1_300_000_000L;
			while (System.nanoTime() < end) {
				Thread.onSpinWait();
			}
			return "late";
		}

		@GetMapping("/ordinary")
		String ordinary() throws InterruptedException {
			if (Thread.currentThread().isInterrupted()) {
				this.interruptedOnEntry.incrementAndGet();
			}
			Thread.sleep(20); // would throw at once on a poisoned thread
			return "ok";
		}

		@GetMapping("/group")
		String group() {
			try (TaskGroup group = this.taskGroups.open()) {
				group.fork(() -> {
					Thread.sleep(60_000);
					return "late";
				});
				group.join();
				return "joined";
			}
		}

		@GetMapping("/group/tighter")
		String groupWithATighterDeadline() {
			try (TaskGroup group = this.taskGroups.open(java.time.Duration.ofMillis(200))) {
				group.fork(() -> {
					Thread.sleep(60_000);
					return "late";
				});
				group.join();
				return "joined";
			}
		}

		@GetMapping("/group/deadline")
		String groupDeadline() {
			try (TaskGroup group = this.taskGroups.open()) {
				var seen = group
					.fork(() -> Deadline.current().map(Deadline::timeout).map(Object::toString).orElse("none"));
				group.join();
				return seen.get();
			}
		}

		@GetMapping("/async/callable")
		Callable<String> asyncCallable() {
			return () -> {
				Thread.sleep(60_000);
				return "late";
			};
		}

		@GetMapping("/async/callable/deadline")
		Callable<String> asyncCallableDeadline() {
			return () -> Deadline.current().map(Deadline::timeout).map(Object::toString).orElse("none");
		}

		@GetMapping("/async/deferred")
		DeferredResult<String> asyncDeferred() {
			return new DeferredResult<>(); // nobody ever sets it
		}

		private static String base(HttpServletRequest request) {
			return "http://127.0.0.1:" + request.getLocalPort();
		}

	}

	/** The downstream endpoints as a Spring HTTP interface client. */
	interface Downstream {

		@GetExchange("/downstream/echo")
		String echo();

		@GetExchange("/downstream/slow")
		String slow();

	}

	/**
	 * A TCP listener that counts the connections it accepts, to prove a call never
	 * connected.
	 */
	static final class CountingListener implements AutoCloseable {

		final ServerSocket socket;

		final AtomicInteger accepted = new AtomicInteger();

		final Thread acceptor;

		CountingListener() {
			try {
				this.socket = new ServerSocket(0);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.acceptor = new Thread(() -> {
				while (!this.socket.isClosed()) {
					try (Socket ignored = this.socket.accept()) {
						this.accepted.incrementAndGet();
					}
					catch (IOException ex) {
						return;
					}
				}
			}, "counting-listener");
			this.acceptor.start();
		}

		int port() {
			return this.socket.getLocalPort();
		}

		@Override
		public void close() throws Exception {
			this.socket.close();
			this.acceptor.join(5_000);
		}

	}

}
