package dev.sluice.deadline;

import java.util.concurrent.Callable;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.AsyncWebRequest;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;

/**
 * Gives Spring MVC async handlers ({@code Callable}, {@code DeferredResult}) the
 * request's deadline: as their async timeout, attached to the thread that runs a
 * {@code Callable}, and answered at the deadline itself rather than when the container
 * next checks its async timeouts (Tomcat: about once a second). A {@code Callable}'s
 * thread is interrupted at the deadline (if {@code interrupt}); a {@code DeferredResult}
 * gets a {@link DeadlineExceededException} as its error result. Either way the configured
 * status answers, not Spring's default 503.
 */
public class DeadlineAsyncInterceptor implements CallableProcessingInterceptor, DeferredResultProcessingInterceptor {

	private static final String WATCH_ATTRIBUTE = DeadlineAsyncInterceptor.class.getName() + ".watch";

	private static final ThreadLocal<Running> RUNNING = new ThreadLocal<>();

	private final DeadlineWatchdog watchdog;

	private final boolean interrupt;

	/**
	 * Creates the interceptor.
	 * @param watchdog the watchdog that acts at the deadline
	 * @param interrupt whether to interrupt a {@code Callable}'s thread at the deadline
	 */
	public DeadlineAsyncInterceptor(DeadlineWatchdog watchdog, boolean interrupt) {
		this.watchdog = watchdog;
		this.interrupt = interrupt;
	}

	@Override
	public <T> void beforeConcurrentHandling(NativeWebRequest request, Callable<T> task) {
		applyTimeout(request);
	}

	@Override
	public <T> void beforeConcurrentHandling(NativeWebRequest request, DeferredResult<T> deferredResult) {
		applyTimeout(request);
		Deadline deadline = deadline(request);
		if (deadline != null) {
			DeadlineWatchdog.Watch watch = this.watchdog.onDeadline(deadline,
					() -> deferredResult.setErrorResult(new DeadlineExceededException(deadline.timeout())));
			request.setAttribute(WATCH_ATTRIBUTE, watch, RequestAttributes.SCOPE_REQUEST);
		}
	}

	@Override
	public <T> void afterCompletion(NativeWebRequest request, DeferredResult<T> deferredResult) {
		Object watch = request.getAttribute(WATCH_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
		if (watch instanceof DeadlineWatchdog.Watch open) {
			open.close();
		}
	}

	@Override
	public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
		Deadline deadline = deadline(request);
		if (deadline != null) {
			RUNNING.set(new Running(deadline.attach(), this.interrupt ? this.watchdog.watch(deadline, true) : null));
		}
	}

	@Override
	public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object concurrentResult) {
		Running running = RUNNING.get();
		if (running != null) {
			RUNNING.remove();
			if (running.watch() != null) {
				running.watch().close(); // clears the interrupt before the thread goes
											// back to its pool
			}
			running.scope().close();
		}
	}

	@Override
	public <T> Object handleTimeout(NativeWebRequest request, Callable<T> task) {
		Deadline deadline = deadline(request);
		return (deadline != null) ? new DeadlineExceededException(deadline.timeout()) : RESULT_NONE;
	}

	@Override
	public <T> boolean handleTimeout(NativeWebRequest request, DeferredResult<T> deferredResult) {
		Deadline deadline = deadline(request);
		if (deadline == null) {
			return true;
		}
		deferredResult.setErrorResult(new DeadlineExceededException(deadline.timeout()));
		return false;
	}

	private static void applyTimeout(NativeWebRequest request) {
		Deadline deadline = deadline(request);
		if (deadline != null && request instanceof AsyncWebRequest async) {
			async.setTimeout(Math.max(1, deadline.remaining().toMillis()));
		}
	}

	private static Deadline deadline(NativeWebRequest request) {
		Object deadline = request.getAttribute(DeadlineFilter.DEADLINE_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
		return (deadline instanceof Deadline found) ? found : null;
	}

	private record Running(Deadline.Scope scope, DeadlineWatchdog.Watch watch) {
	}

}
