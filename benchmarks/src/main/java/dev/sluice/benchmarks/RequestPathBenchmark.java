package dev.sluice.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.concurrency.ConcurrencyLimitFilter;
import dev.sluice.concurrency.ConcurrencyLimiter;
import dev.sluice.deadline.DeadlineFilter;
import dev.sluice.deadline.DeadlineRoutes;
import dev.sluice.deadline.DeadlineWatchdog;
import dev.sluice.ratelimit.ClientIpResolver;
import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.MemoryRateLimitStore;
import dev.sluice.ratelimit.OnMissingKey;
import dev.sluice.ratelimit.OnStoreFailure;
import dev.sluice.ratelimit.RateLimitFilter;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimiters;
import dev.sluice.shutdown.InFlightRequests;
import dev.sluice.web.SluiceRequestFilter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Sluice's filters on one allowed request, each alone, all four one after another
 * ({@code allFour}: in-flight tracking, rate limit, concurrency limit, deadline, each its
 * own filter) and as Boot registers them ({@code requestFilter}: one
 * {@link SluiceRequestFilter} running the four as its stages), against a handler that
 * writes a short answer through {@code getWriter()}, after parsing the path as Spring MVC
 * does. With {@code -prof gc}, {@code gc.alloc.rate.norm} is what each filter allocates
 * per request (subtract {@code noFilter}: the parsed path and the chain).
 * <p>
 * {@code java -jar benchmarks/target/benchmarks.jar RequestPathBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class RequestPathBenchmark {

	private static final Limit NEVER_REJECTS = new Limit(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1));

	private DeadlineWatchdog watchdog;

	private Filter[] none;

	private Filter[] inFlight;

	private Filter[] rateLimit;

	private Filter[] concurrency;

	private Filter[] deadline;

	private Filter[] all;

	private Filter[] combined;

	private MockHttpServletRequest request;

	private HttpServletResponse response;

	@Setup
	public void setUp() {
		PathPatternParser parser = PathPatternParser.defaultInstance;
		RateLimitRule rule = new RateLimitRule("hello", List.of(parser.parse("/hello")), Set.of(), "ip:",
				(request) -> request.getRemoteAddr(), OnMissingKey.IP, List.of(NEVER_REJECTS));
		RateLimiters limiters = new RateLimiters(List.of(rule), new MemoryRateLimitStore(List.of(rule), 100_000),
				OnStoreFailure.ALLOW);
		this.watchdog = new DeadlineWatchdog();
		// the sample app's settings: /** capped at 200 in flight, 10 s by default and 2 s
		// on /reports/**
		InFlightRequests inFlightRequests = new InFlightRequests();
		RateLimitFilter rateLimitFilter = new RateLimitFilter(limiters, new ClientIpResolver(List.of()), true);
		ConcurrencyLimitFilter concurrencyLimitFilter = new ConcurrencyLimitFilter(ConcurrencyLimiter.fixed(200),
				List.of(parser.parse("/**")));
		DeadlineFilter deadlineFilter = new DeadlineFilter(new DeadlineRoutes(
				List.of(new DeadlineRoutes.RouteSpec(List.of(parser.parse("/reports/**")), Duration.ofSeconds(2))),
				Duration.ofSeconds(10), null), this.watchdog, "X-Request-Timeout-Ms", true, 504);
		this.none = new Filter[0];
		this.inFlight = new Filter[] { inFlightRequests };
		this.rateLimit = new Filter[] { rateLimitFilter };
		this.concurrency = new Filter[] { concurrencyLimitFilter };
		this.deadline = new Filter[] { deadlineFilter };
		this.all = new Filter[] { inFlightRequests, rateLimitFilter, concurrencyLimitFilter, deadlineFilter };
		// as Boot registers them: one request filter running the four stages
		this.combined = new Filter[] { new SluiceRequestFilter(
				List.of(inFlightRequests, rateLimitFilter, concurrencyLimitFilter, deadlineFilter)) };
		this.request = new MockHttpServletRequest("GET", "/hello");
		this.request.setRemoteAddr("10.0.1.2");
		this.response = new QuietResponse(new MockHttpServletResponse());
	}

	@TearDown
	public void tearDown() {
		this.watchdog.close();
	}

	@Benchmark
	public HttpServletResponse noFilter() throws Exception {
		return run(this.none);
	}

	@Benchmark
	public HttpServletResponse inFlightTracking() throws Exception {
		return run(this.inFlight);
	}

	@Benchmark
	public HttpServletResponse rateLimit() throws Exception {
		return run(this.rateLimit);
	}

	@Benchmark
	public HttpServletResponse concurrencyLimit() throws Exception {
		return run(this.concurrency);
	}

	@Benchmark
	public HttpServletResponse deadline() throws Exception {
		return run(this.deadline);
	}

	@Benchmark
	public HttpServletResponse allFour() throws Exception {
		return run(this.all);
	}

	@Benchmark
	public HttpServletResponse requestFilter() throws Exception {
		return run(this.combined);
	}

	private HttpServletResponse run(Filter[] filters) throws IOException, ServletException {
		ServletRequestPathUtils.clearParsedRequestPath(this.request); // a new request:
																		// its path is not
																		// parsed yet
		new Chain(filters).doFilter(this.request, this.response);
		return this.response;
	}

	/** The container's chain: each filter, then a handler that writes the answer. */
	private static final class Chain implements FilterChain {

		private final Filter[] filters;

		private int next;

		Chain(Filter[] filters) {
			this.filters = filters;
		}

		@Override
		public void doFilter(ServletRequest request, ServletResponse response) throws IOException, ServletException {
			if (this.next < this.filters.length) {
				this.filters[this.next++].doFilter(request, response, this);
				return;
			}
			if (!ServletRequestPathUtils.hasParsedRequestPath(request)) {
				ServletRequestPathUtils.parseAndCache((HttpServletRequest) request); // as
																						// Spring
																						// MVC
																						// does
			}
			response.setContentType("application/json");
			response.getWriter().write("{\"message\":\"hello\"}");
			response.flushBuffer();
		}

	}

	/**
	 * A response that allocates nothing itself, so that what the filters allocate shows:
	 * headers and the body go nowhere.
	 */
	private static final class QuietResponse extends HttpServletResponseWrapper {

		private final PrintWriter writer = new PrintWriter(OutputStream.nullOutputStream());

		QuietResponse(HttpServletResponse response) {
			super(response);
		}

		@Override
		public PrintWriter getWriter() {
			return this.writer;
		}

		@Override
		public void setHeader(String name, String value) {
		}

		@Override
		public void addHeader(String name, String value) {
		}

		@Override
		public void setContentType(String type) {
		}

		@Override
		public void flushBuffer() {
		}

		@Override
		public boolean isCommitted() {
			return false;
		}

	}

}
