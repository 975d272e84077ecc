package dev.sluice.group;

import java.util.Locale;

import dev.sluice.deadline.DeadlineExceededException;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * The observations of task groups: one per subtask's run and one per
 * {@link TaskGroup#join()}, each with the low-cardinality key {@code outcome}.
 */
final class GroupObservations {

	private GroupObservations() {
	}

	/**
	 * Runs a join as an observation; its outcome is success, failed, deadline_exceeded or
	 * interrupted.
	 * @param registry where it is observed
	 * @param groupId the group's id
	 * @param join the join
	 */
	static void join(ObservationRegistry registry, String groupId, Runnable join) {
		Observation observation = Observation.createNotStarted(TaskGroup.JOIN_OBSERVATION, registry)
			.contextualName("join " + groupId)
			.highCardinalityKeyValue("task_group.id", groupId)
			.start();
		String outcome = "success";
		try {
			join.run();
		}
		catch (RuntimeException | Error ex) {
			outcome = (ex instanceof DeadlineExceededException) ? "deadline_exceeded"
					: Thread.currentThread().isInterrupted() ? "interrupted" : "failed";
			observation.error(ex);
			throw ex;
		}
		finally {
			observation.lowCardinalityKeyValue("outcome", outcome).stop();
		}
	}

	/**
	 * Starts the observation of a subtask's run, a child of the forking thread's
	 * observation.
	 * @param registry where it is observed
	 * @param forker the forking thread's observation, if any
	 * @param groupId the group's id
	 * @param subtaskId the subtask's id
	 * @return the started observation
	 */
	static Observation startSubtask(ObservationRegistry registry, Observation forker, String groupId,
			String subtaskId) {
		return Observation.createNotStarted(TaskGroup.SUBTASK_OBSERVATION, registry)
			.parentObservation(forker)
			.contextualName("subtask " + groupId)
			.highCardinalityKeyValue("subtask.id", subtaskId)
			.start();
	}

	/**
	 * Stops the observation of a subtask's run.
	 * @param observation the observation
	 * @param outcome how the run ended
	 * @param thrown what it threw, if anything
	 */
	static void stopSubtask(Observation observation, Subtask.State outcome, Throwable thrown) {
		if (thrown != null) {
			observation.error(thrown);
		}
		observation.lowCardinalityKeyValue("outcome", outcome.name().toLowerCase(Locale.ROOT)).stop();
	}

}
