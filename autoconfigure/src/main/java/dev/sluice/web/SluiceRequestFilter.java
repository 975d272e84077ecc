package dev.sluice.web;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * Sluice's request path in one servlet filter: the {@link RequestStage stages} run in
 * order (graceful shutdown's in-flight tracking, the rate limit, the concurrency limit,
 * the deadline) in a single pass over the request, with one hop in the container's filter
 * chain and the request's path worked out once for all of them ({@link RequestPass}).
 * <p>
 * Acts on the {@code REQUEST} dispatch only: the async, forward and error dispatches of
 * the same request pass straight through, as they do each capability's filter.
 */
public final class SluiceRequestFilter implements Filter {

	private final RequestStage[] stages;

	/**
	 * Creates the filter.
	 * @param stages the stages, in the order they run
	 */
	public SluiceRequestFilter(List<? extends RequestStage> stages) {
		this.stages = stages.toArray(RequestStage[]::new);
	}

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws IOException, ServletException {
		RequestPass.run(this.stages, servletRequest, servletResponse, chain);
	}

	/**
	 * The stages, in the order they run.
	 * @return the stages
	 */
	public List<RequestStage> getStages() {
		return List.of(this.stages);
	}

}
