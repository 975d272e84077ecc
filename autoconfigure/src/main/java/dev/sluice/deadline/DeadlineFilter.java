package dev.sluice.deadline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.web.ProblemResponses;
import dev.sluice.web.RequestPass;
import dev.sluice.web.RequestStage;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

import org.springframework.web.context.request.async.WebAsyncManager;
import org.springframework.web.context.request.async.WebAsyncUtils;

/**
 * Gives every request one {@link Deadline}, like {@code context.WithTimeout} in a Go
 * handler: the route's timeout, shortened (never lengthened) by the budgets callers state
 * in inbound headers ({@link InboundBudgets}). The deadline is attached to the request
 * thread while the handler runs; when it passes, the {@link DeadlineWatchdog} interrupts
 * the thread, and the client gets the configured status with a problem body as soon as
 * the handler returns.
 * <p>
 * Once the handler starts writing an answer on time, no interrupt reaches the thread any
 * more (an interrupted socket write would close the connection). An answer that a handler
 * writes after its deadline (one that ignored the interrupt) is discarded, and the client
 * gets the deadline's answer instead.
 * <p>
 * A plain servlet filter that acts on the {@code REQUEST} dispatch only: the async,
 * forward and error dispatches of the same request pass straight through. It sits on
 * every request's path, so it sets no marker attribute and allocates only the deadline,
 * its watch, the response wrapper and two map entries (below). It runs as the last stage
 * of the {@link dev.sluice.web.SluiceRequestFilter}.
 * <p>
 * It also hands the request's Spring MVC async handling (a {@code Callable} or
 * {@code DeferredResult} a handler returns) to a {@link DeadlineAsyncInterceptor},
 * registered on the request's {@link WebAsyncManager} under a fixed key: interceptors
 * configured through {@code WebMvcConfigurer.configureAsyncSupport} are registered again
 * on every request under a key built from their class name and hash code, a string and
 * its hash per interceptor and request.
 */
public class DeadlineFilter implements Filter, RequestStage {

	/** Request attribute holding the request's {@link Deadline}. */
	public static final String DEADLINE_ATTRIBUTE = Deadline.class.getName();

	/** Request attribute holding the request's {@link DeadlineRoutes.Route}. */
	public static final String ROUTE_ATTRIBUTE = DeadlineRoutes.Route.class.getName();

	// Set by DeadlineExceptionResolver when it already answered a
	// DeadlineExceededException.
	private static final String EXCEEDED_ANSWERED = DeadlineExceptionResolver.DEADLINE_ANSWERED_ATTRIBUTE;

	/**
	 * MDC key of the remaining budget at request start, in milliseconds (with
	 * {@code sluice.deadline.mdc}).
	 */
	public static final String MDC_KEY = "deadline";

	// the key of the async interceptor on every request's WebAsyncManager
	private static final String ASYNC_INTERCEPTOR_KEY = DeadlineAsyncInterceptor.class.getName();

	private final DeadlineRoutes routes;

	private final DeadlineWatchdog watchdog;

	private final InboundBudgets inbound;

	private final boolean interrupt;

	private final int status;

	private final boolean mdc;

	private final DeadlineAsyncInterceptor async;

	/**
	 * Creates the filter.
	 * @param routes the timeouts per route
	 * @param watchdog the watchdog that interrupts late handlers
	 * @param header the inbound budget header, if any
	 * @param interrupt whether to interrupt the handler thread at the deadline
	 * @param status the status of a request whose deadline passed (504 or 503)
	 */
	public DeadlineFilter(DeadlineRoutes routes, DeadlineWatchdog watchdog, @Nullable String header, boolean interrupt,
			int status) {
		this(routes, watchdog, (header != null) ? InboundBudgets.of(List.of(header)) : InboundBudgets.none(), interrupt,
				status, false);
	}

	/**
	 * Creates the filter.
	 * @param routes the timeouts per route
	 * @param watchdog the watchdog that interrupts late handlers
	 * @param inbound the budget headers read on the way in (each may only shorten the
	 * route's timeout)
	 * @param interrupt whether to interrupt the handler thread at the deadline
	 * @param status the status of a request whose deadline passed (504 or 503)
	 * @param mdc whether to put the remaining budget at request start in the MDC as
	 * {@value #MDC_KEY}
	 */
	public DeadlineFilter(DeadlineRoutes routes, DeadlineWatchdog watchdog, InboundBudgets inbound, boolean interrupt,
			int status, boolean mdc) {
		this.routes = routes;
		this.watchdog = watchdog;
		this.inbound = inbound;
		this.interrupt = interrupt;
		this.status = status;
		this.mdc = mdc;
		this.async = new DeadlineAsyncInterceptor(watchdog, interrupt);
	}

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws ServletException, IOException {
		RequestPass.runAlone(this, servletRequest, servletResponse, chain);
	}

	@Override
	public void apply(HttpServletRequest request, HttpServletResponse response, RequestPass pass)
			throws IOException, ServletException {
		DeadlineRoutes.Route route = this.routes.resolve(pass);
		Deadline deadline = Deadline.after(route.timeout());
		long inbound = this.inbound.budgetNanos(request::getHeader);
		if (inbound > 0) {
			deadline = deadline.shorten(Duration.ofNanos(inbound));
		}
		request.setAttribute(DEADLINE_ATTRIBUTE, deadline);
		request.setAttribute(ROUTE_ATTRIBUTE, route);
		WebAsyncManager asyncManager = WebAsyncUtils.getAsyncManager(request);
		asyncManager.registerCallableInterceptor(ASYNC_INTERCEPTOR_KEY, this.async);
		asyncManager.registerDeferredResultInterceptor(ASYNC_INTERCEPTOR_KEY, this.async);
		Throwable failure = null;
		Deadline.Current current = Deadline.currentHolder();
		DeadlineWatchdog.Watch watch = this.watchdog.watch(deadline, this.interrupt, current);
		DeadlineResponse watched = new DeadlineResponse(request, response, deadline, watch);
		String previousMdc = null;
		if (this.mdc) {
			previousMdc = MDC.get(MDC_KEY);
			MDC.put(MDC_KEY, Long.toString(TimeUnit.NANOSECONDS.toMillis(deadline.remainingNanos())));
		}
		// what Deadline.attach() does, without a scope per request
		Deadline previous = current.deadline;
		current.deadline = deadline;
		try {
			pass.doFilter(request, watched);
		}
		catch (IOException | ServletException | RuntimeException | Error ex) {
			failure = ex;
		}
		finally {
			current.deadline = previous;
			watch.close(); // from here no interrupt of this request reaches the thread
			watched.release();
			if (this.mdc) {
				restoreMdc(previousMdc);
			}
		}
		if (request.isAsyncStarted()) {
			rethrow(failure); // the async part is timed by the async timeout (see
								// DeadlineAsyncInterceptor)
			return;
		}
		// a DeadlineExceededException the resolver answered is counted there
		if ((watch.hasFired() || deadline.isExpired()) && request.getAttribute(EXCEEDED_ANSWERED) == null) {
			route.countExceeded();
			if (!response.isCommitted()) {
				response.resetBuffer();
				writeProblem(request, response, this.status, deadline, route);
				return;
			}
		}
		rethrow(failure);
	}

	/**
	 * Writes the answer of a request whose deadline passed.
	 * @param request the request
	 * @param response the response, not committed
	 * @param status 504 or 503
	 * @param deadline the deadline that passed
	 * @param route the request's route
	 * @throws IOException if the body cannot be written
	 */
	public static void writeProblem(HttpServletRequest request, HttpServletResponse response, int status,
			Deadline deadline, DeadlineRoutes.Route route) throws IOException {
		ProblemResponses.write(request, response, status, "deadline-exceeded",
				(status == 503) ? "Service Unavailable" : "Gateway Timeout",
				"The request's deadline of " + deadline.timeout().toMillis() + " ms passed",
				Map.of("route", route.tag()));
	}

	private static void restoreMdc(String previous) {
		if (previous != null) {
			MDC.put(MDC_KEY, previous);
		}
		else {
			MDC.remove(MDC_KEY);
		}
	}

	private static void rethrow(Throwable failure) throws IOException, ServletException {
		if (failure == null) {
			return;
		}
		if (failure instanceof IOException io) {
			throw io;
		}
		if (failure instanceof ServletException servlet) {
			throw servlet;
		}
		if (failure instanceof RuntimeException unchecked) {
			throw unchecked;
		}
		throw (Error) failure;
	}

	/**
	 * The response as the handler sees it: the first write decides whether the answer is
	 * on time (then no interrupt follows) or late (then it goes nowhere). Only the
	 * request's own thread, while the filter waits for the handler, is judged; async
	 * writes and the deadline's own answer pass straight through.
	 */
	private static final class DeadlineResponse extends HttpServletResponseWrapper {

		private final HttpServletRequest request;

		private final Deadline deadline;

		private final DeadlineWatchdog.Watch watch;

		private final Thread thread = Thread.currentThread();

		private volatile boolean released;

		private boolean late; // only read and written on this.thread

		private boolean disarmed; // only read and written on this.thread: the watch need
									// not be disarmed again

		private ServletOutputStream discardStream;

		private PrintWriter discardWriter;

		DeadlineResponse(HttpServletRequest request, HttpServletResponse response, Deadline deadline,
				DeadlineWatchdog.Watch watch) {
			super(response);
			this.request = request;
			this.deadline = deadline;
			this.watch = watch;
		}

		void release() {
			this.released = true;
		}

		@Override
		public ServletOutputStream getOutputStream() throws IOException {
			if (onTime()) {
				return super.getOutputStream();
			}
			if (this.discardStream == null) {
				this.discardStream = new DiscardingOutputStream();
			}
			return this.discardStream;
		}

		@Override
		public PrintWriter getWriter() throws IOException {
			if (onTime()) {
				return super.getWriter();
			}
			if (this.discardWriter == null) {
				this.discardWriter = new PrintWriter(OutputStream.nullOutputStream());
			}
			return this.discardWriter;
		}

		@Override
		public void flushBuffer() throws IOException {
			if (onTime()) {
				super.flushBuffer();
			}
		}

		private boolean onTime() {
			if (this.released || Thread.currentThread() != this.thread) {
				return true;
			}
			if (!this.late && !this.deadline.isExpired() && disarm()) {
				return true; // on time: the watch never fires now
			}
			if (this.request.getAttribute(EXCEEDED_ANSWERED) != null) {
				this.watch.close(); // the deadline's own answer: no interrupt follows,
									// and one sent is cleared
				return true;
			}
			this.late = true;
			return false;
		}

		private boolean disarm() {
			if (!this.disarmed) {
				this.disarmed = this.watch.disarm(); // once disarmed, the watch never
														// fires: true ever after
			}
			return this.disarmed;
		}

	}

	private static final class DiscardingOutputStream extends ServletOutputStream {

		@Override
		public boolean isReady() {
			return true;
		}

		@Override
		public void setWriteListener(WriteListener listener) {
			throw new IllegalStateException("A late answer is discarded; it cannot be written asynchronously");
		}

		@Override
		public void write(int b) {
		}

		@Override
		public void write(byte[] b, int off, int len) {
		}

	}

}
