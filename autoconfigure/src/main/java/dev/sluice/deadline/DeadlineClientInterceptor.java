package dev.sluice.deadline;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Passes the current deadline to gRPC client calls: each call made under a deadline gets
 * the earlier of its own deadline and the request's (gRPC sends it on as
 * {@code grpc-timeout}), and a call made after the deadline passed fails with
 * {@link DeadlineExceededException} before any stream is opened.
 * <p>
 * When the request's deadline was the call's and the call ends with
 * {@code DEADLINE_EXCEEDED}, the status carries a {@link DeadlineExceededException} as
 * its cause, so the {@code StatusRuntimeException} a stub throws is answered like the
 * deadline it is ({@code sluice.deadline.status}). A call whose own, shorter deadline
 * passed is left as it is: that is the caller's limit, not the request's.
 */
public class DeadlineClientInterceptor implements ClientInterceptor {

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		Optional<Deadline> current = Deadline.current();
		if (current.isEmpty()) {
			return next.newCall(method, callOptions);
		}
		Deadline deadline = current.get();
		long remainingNanos = deadline.remainingNanos();
		if (remainingNanos <= 0) {
			throw new DeadlineExceededException("Deadline passed before calling " + method.getFullMethodName(),
					deadline.timeout(), null);
		}
		io.grpc.Deadline requestDeadline = io.grpc.Deadline.after(remainingNanos, TimeUnit.NANOSECONDS);
		io.grpc.Deadline own = callOptions.getDeadline();
		if (own != null && !requestDeadline.isBefore(own)) {
			return next.newCall(method, callOptions);
		}
		ClientCall<ReqT, RespT> call = next.newCall(method, callOptions.withDeadline(requestDeadline));
		return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {

			@Override
			public void start(Listener<RespT> listener, Metadata headers) {
				super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {

					@Override
					public void onClose(Status status, Metadata trailers) {
						super.onClose(translate(status, method, deadline), trailers);
					}

				}, headers);
			}

		};
	}

	private static Status translate(Status status, MethodDescriptor<?, ?> method, Deadline deadline) {
		if (status.getCode() != Status.Code.DEADLINE_EXCEEDED
				|| status.getCause() instanceof DeadlineExceededException) {
			return status;
		}
		DeadlineExceededException exceeded = new DeadlineExceededException(
				"Deadline passed while waiting for " + method.getFullMethodName(), deadline.timeout(),
				status.asRuntimeException());
		return status.withCause(exceeded);
	}

}
