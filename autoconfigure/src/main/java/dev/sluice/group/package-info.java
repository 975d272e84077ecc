/**
 * Errgroup-style fan-out inside a request: {@link dev.sluice.group.TaskGroups} opens a
 * {@link dev.sluice.group.TaskGroup}, whose subtasks run on virtual threads or a bounded
 * pool of platform threads.
 *
 * <table>
 * <caption>errgroup and its Java form</caption>
 * <tr>
 * <th>Go</th>
 * <th>Java</th>
 * </tr>
 * <tr>
 * <td><pre>
 * g, ctx := errgroup.WithContext(ctx)
 * g.SetLimit(8)
 * var profile Profile
 * var posts []Post
 * g.Go(func() error {
 *     var err error
 *     profile, err = profiles.Fetch(ctx, id)
 *     return err
 * })
 * g.Go(func() error {
 *     var err error
 *     posts, err = postsSvc.Fetch(ctx, id)
 *     return err
 * })
 * if err := g.Wait(); err != nil {
 *     return err
 * }
 * return Page{profile, posts}, nil
 * </pre></td>
 * <td><pre>
 * try (TaskGroup group = taskGroups.open()) {
 *     group.limit(8);
 *
 *
 *     Subtask&lt;Profile&gt; profile =
 *         group.fork(() -&gt; profiles.fetch(id));
 *
 *
 *
 *     Subtask&lt;List&lt;Post&gt;&gt; posts =
 *         group.fork(() -&gt; postsSvc.fetch(id));
 *
 *
 *
 *     group.join();   // throws the first failure
 *
 *
 *     return new Page(profile.get(), posts.get());
 * }
 * </pre></td>
 * </tr>
 * <tr>
 * <td>{@code g.TryGo(f)}</td>
 * <td>{@code group.tryFork(task)} (empty {@code Optional} when the limit is reached)</td>
 * </tr>
 * <tr>
 * <td>{@code context.WithTimeout(ctx, d)}</td>
 * <td>{@code taskGroups.open(d)}</td>
 * </tr>
 * </table>
 * <p>
 * Where Java differs from Go, and what is defined here:
 * <ul>
 * <li><b>Fork after a failure.</b> Once the group is cancelled (first failure, deadline,
 * {@link dev.sluice.group.TaskGroup#close()}, shutdown),
 * {@link dev.sluice.group.TaskGroup#fork} and {@link dev.sluice.group.TaskGroup#tryFork}
 * do not start the subtask: it is returned
 * {@link dev.sluice.group.Subtask.State#CANCELLED}. Go would run the function with a
 * cancelled context, which a well-behaved function returns from at once; not starting it
 * is the same outcome without the thread.</li>
 * <li><b>Results.</b> {@link dev.sluice.group.Subtask#get()} returns the value of a
 * subtask that succeeded; before it has finished (call
 * {@link dev.sluice.group.TaskGroup#join()} first) and for a failed or cancelled subtask
 * it throws {@link IllegalStateException}, with the subtask's exception as the
 * cause.</li>
 * <li><b>Interrupts.</b> If the thread blocked in
 * {@link dev.sluice.group.TaskGroup#join()} or in {@link dev.sluice.group.TaskGroup#fork}
 * (waiting for a slot) is interrupted, the group is cancelled, the interrupt flag is
 * restored and the call throws {@link dev.sluice.group.TaskGroupException} &mdash; or
 * {@link dev.sluice.deadline.DeadlineExceededException} when the deadline has passed, as
 * it has when a request's deadline watchdog sent the interrupt.</li>
 * <li><b>Deadline.</b> The group's deadline is enforced by whoever waits on the group:
 * {@link dev.sluice.group.TaskGroup#join()} and a {@link dev.sluice.group.TaskGroup#fork}
 * waiting for a slot wait no longer than the time left, then cancel the group; no timer
 * thread is involved. Subtasks see it as {@link dev.sluice.deadline.Deadline#current()}
 * and can check it themselves.</li>
 * <li><b>Threads.</b> On the platform-thread pool
 * ({@code sluice.task-groups.threads=platform}), a fork from the request thread waits for
 * a free pool thread (bounded by the deadline); a fork from inside a subtask when no pool
 * thread is free runs the new subtask inline, on the forking thread, because waiting
 * there could deadlock (every pool thread waiting for subtasks that need a pool thread).
 * {@link dev.sluice.group.TaskGroup#tryFork} waits for a pool thread the same way: only
 * {@link dev.sluice.group.TaskGroup#limit(int)} makes it return empty.</li>
 * <li><b>Use.</b> A group is used by the thread that opened it; subtasks may fork into it
 * too. {@link dev.sluice.group.TaskGroup#join()} may be called again and returns or
 * throws the same outcome.</li>
 * </ul>
 */
@NullMarked
package dev.sluice.group;

import org.jspecify.annotations.NullMarked;
