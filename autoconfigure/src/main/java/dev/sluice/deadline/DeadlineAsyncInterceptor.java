package dev.sluice.deadline;

import java.util.concurrent.Callable;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.AsyncWebRequest;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;

/**
 * Gives Spring MVC async handlers ({@code Callable}, {@code DeferredResult}) the request's deadline as their
 * async timeout, attaches it to the thread that runs a {@code Callable}, and answers a timeout with
 * {@link DeadlineExceededException} (so the configured status, not Spring's default 503).
 */
public class DeadlineAsyncInterceptor implements CallableProcessingInterceptor, DeferredResultProcessingInterceptor {

	private static final ThreadLocal<Deadline.Scope> SCOPE = new ThreadLocal<>();

	@Override
	public <T> void beforeConcurrentHandling(NativeWebRequest request, Callable<T> task) {
		applyTimeout(request);
	}

	@Override
	public <T> void beforeConcurrentHandling(NativeWebRequest request, DeferredResult<T> deferredResult) {
		applyTimeout(request);
	}

	@Override
	public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
		Deadline deadline = deadline(request);
		if (deadline != null) {
			SCOPE.set(deadline.attach());
		}
	}

	@Override
	public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object concurrentResult) {
		Deadline.Scope scope = SCOPE.get();
		if (scope != null) {
			SCOPE.remove();
			scope.close();
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

}
