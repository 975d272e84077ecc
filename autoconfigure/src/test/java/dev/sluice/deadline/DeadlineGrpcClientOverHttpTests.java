package dev.sluice.deadline;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.grpc.client.ClientInterceptorsConfigurer;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.grpc.client.InProcessGrpcChannelFactory;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring gRPC client calls made from a handler run under the request's deadline. The
 * channel comes from Spring gRPC's own {@link GrpcChannelFactory} (in-process transport),
 * which applies every {@code @GlobalClientInterceptor} bean, Sluice's among them; the
 * server is a real grpc-java in-process server with a two-method service. With
 * {@code interrupt: false}, so that what ends a slow call is its gRPC deadline, not the
 * watchdog's interrupt.
 */
@SpringBootTest(classes = DeadlineGrpcClientOverHttpTests.GrpcClientApp.class,
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.deadline.interrupt=false", "sluice.deadline.default-timeout=10s",
				"sluice.deadline.routes[0].paths=/grpc/**", "sluice.deadline.routes[0].timeout=300ms" })
@DirtiesContext
class DeadlineGrpcClientOverHttpTests {

	static final String SERVER_NAME = "sluice-deadline-" + System.nanoTime();

	static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {

		@Override
		public InputStream stream(String value) {
			return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
		}

		@Override
		public String parse(InputStream stream) {
			try {
				return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	};

	/**
	 * Answers with the budget the server saw: the raw {@code grpc-timeout} and the call
	 * context's deadline.
	 */
	static final MethodDescriptor<String, String> BUDGET = method("Budget");

	/** Never answers. */
	static final MethodDescriptor<String, String> SLOW = method("Slow");

	static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

	static final AtomicInteger callsReceived = new AtomicInteger();

	static final AtomicReference<String> lastTimeoutHeader = new AtomicReference<>();

	static Server server;

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	GrpcClientApp.Endpoints endpoints;

	@BeforeAll
	static void startServer() throws IOException {
		ServerServiceDefinition service = ServerServiceDefinition.builder("sluice.test.Deadlines")
			.addMethod(BUDGET, ServerCalls.asyncUnaryCall((request, response) -> {
				io.grpc.Deadline deadline = Context.current().getDeadline();
				response.onNext(lastTimeoutHeader.get() + " "
						+ ((deadline != null) ? deadline.timeRemaining(TimeUnit.MILLISECONDS) : "none"));
				response.onCompleted();
			}))
			.addMethod(SLOW, ServerCalls.asyncUnaryCall((request, response) -> {
				// never answers: the call ends when the client's deadline cancels it
			}))
			.build();
		ServerInterceptor recordTimeout = new ServerInterceptor() {
			@Override
			public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
					ServerCallHandler<Q, R> next) {
				callsReceived.incrementAndGet();
				lastTimeoutHeader.set(headers.get(GRPC_TIMEOUT));
				return next.startCall(call, headers);
			}
		};
		server = InProcessServerBuilder.forName(SERVER_NAME)
			.addService(ServerInterceptors.intercept(service, recordTimeout))
			.build()
			.start();
	}

	@AfterAll
	static void stopServer() throws InterruptedException {
		server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
	}

	@BeforeEach
	void warmUp() throws Exception {
		// A call outside any request, and a request outside the 300 ms route: first-use
		// costs are paid untimed.
		assertThat(ClientCalls.blockingUnaryCall(this.endpoints.channel, BUDGET, CallOptions.DEFAULT, "?"))
			.isNotEmpty();
		assertThat(get("/warm").statusCode()).isEqualTo(200);
	}

	@Test
	void aCallFromAHandlerWith300MsLeftCarriesADeadlineOfAtMost300MsThoughItAskedFor10S() throws Exception {
		HttpResponse<String> response = get("/grpc/budget");
		assertThat(response.statusCode()).isEqualTo(200);
		String[] seen = response.body().split(" ");
		long headerNanos = InboundBudgets.parseGrpcTimeout(seen[0]);
		assertThat(headerNanos).as("grpc-timeout %s", seen[0]).isPositive().isLessThanOrEqualTo(300_000_000L);
		assertThat(Long.parseLong(seen[1])).as("server context's deadline, ms").isLessThanOrEqualTo(300);
	}

	@Test
	void aCallWhoseOwnDeadlineIsShorterKeepsItAndItsExpiryIsNotTheRequestsDeadline() throws Exception {
		HttpResponse<String> response = get("/grpc/own-shorter");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("DEADLINE_EXCEEDED caused by null");
		assertThat(InboundBudgets.parseGrpcTimeout(lastTimeoutHeader.get())).isLessThanOrEqualTo(50_000_000L);
	}

	@Test
	void aSlowServerMakesTheHandlerAnswer504AtTheRequestDeadline() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = get("/grpc/slow");
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.body()).contains("deadline-exceeded");
		assertThat(millis).as("answered at the 300 ms deadline").isBetween(300L, 450L);
		assertThat(this.endpoints.failure.get()).isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
			assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
			assertThat(ex.getCause()).isInstanceOf(DeadlineExceededException.class);
		});
	}

	@Test
	void aCallAfterTheDeadlineFailsBeforeReachingTheServer() throws Exception {
		int before = callsReceived.get();
		HttpResponse<String> response = get("/grpc/after-expiry");
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(this.endpoints.failure.get()).isInstanceOf(DeadlineExceededException.class);
		assertThat(callsReceived.get()).isEqualTo(before);
	}

	private HttpResponse<String> get(String path) throws Exception {
		// Bounded: without the interceptor a call to the slow server would wait for ever.
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(java.time.Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static MethodDescriptor<String, String> method(String name) {
		return MethodDescriptor.newBuilder(UTF8, UTF8)
			.setType(MethodDescriptor.MethodType.UNARY)
			.setFullMethodName(MethodDescriptor.generateFullMethodName("sluice.test.Deadlines", name))
			.build();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(GrpcClientApp.Endpoints.class)
	static class GrpcClientApp {

		// What Spring Boot's gRPC client auto-configuration declares, for the in-process
		// transport.
		@Bean
		ClientInterceptorsConfigurer grpcClientInterceptorsConfigurer(ApplicationContext context) {
			return new ClientInterceptorsConfigurer(context);
		}

		@Bean
		InProcessGrpcChannelFactory grpcChannelFactory(ClientInterceptorsConfigurer interceptors) {
			return new InProcessGrpcChannelFactory(List.of(), interceptors);
		}

		@RestController
		static class Endpoints {

			final AtomicReference<Throwable> failure = new AtomicReference<>();

			final ManagedChannel channel;

			Endpoints(GrpcChannelFactory channels) {
				this.channel = channels.createChannel("in-process:" + SERVER_NAME);
			}

			@GetMapping("/warm")
			String warm() {
				return "warm";
			}

			@GetMapping("/grpc/budget")
			String budget() {
				return ClientCalls.blockingUnaryCall(this.channel, BUDGET,
						CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "?");
			}

			@GetMapping("/grpc/own-shorter")
			String ownShorter() {
				try {
					return ClientCalls.blockingUnaryCall(this.channel, SLOW,
							CallOptions.DEFAULT.withDeadlineAfter(50, TimeUnit.MILLISECONDS), "?");
				}
				catch (StatusRuntimeException ex) {
					return ex.getStatus().getCode() + " caused by " + ex.getCause();
				}
			}

			@GetMapping("/grpc/slow")
			String slow() {
				return record(() -> ClientCalls.blockingUnaryCall(this.channel, SLOW, CallOptions.DEFAULT, "?"));
			}

			@GetMapping("/grpc/after-expiry")
			String afterExpiry() {
				Deadline deadline = Deadline.current().orElseThrow();
				while (!deadline.isExpired()) {
					Thread.onSpinWait();
				}
				return record(() -> ClientCalls.blockingUnaryCall(this.channel, BUDGET, CallOptions.DEFAULT, "?"));
			}

			private String record(java.util.function.Supplier<String> call) {
				this.failure.set(null);
				try {
					return call.get();
				}
				catch (RuntimeException ex) {
					this.failure.set(ex);
					throw ex;
				}
			}

		}

	}

}
