/**
 * A `Tracer` that keeps every span it opens, with its attributes, events and
 * exit, so tests can inspect exactly what an exporter would be handed.
 */
import type * as Context from "effect/Context"
import type * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

export interface RecordedSpan extends Tracer.Span {
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Record<string, unknown> }>
  readonly exit: Exit.Exit<unknown, unknown> | undefined
}

export const make = () => {
  const spans: Array<RecordedSpan> = []
  let ids = 0
  const tracer = Tracer.make({
    span(name, parent, context, links, startTime, kind) {
      const attributes = new Map<string, unknown>()
      const events: Array<{ name: string; attributes: Record<string, unknown> }> = []
      const span: RecordedSpan & {
        status: Tracer.SpanStatus
        exit: Exit.Exit<unknown, unknown> | undefined
      } = {
        _tag: "Span",
        name,
        spanId: `span${++ids}`,
        traceId: Option.match(parent, { onNone: () => `trace${ids}`, onSome: (p) => p.traceId }),
        parent,
        context: context as Context.Context<never>,
        status: { _tag: "Started", startTime },
        attributes,
        links: [...links],
        sampled: true,
        kind,
        events,
        exit: undefined,
        end(endTime, exit) {
          span.status = { _tag: "Ended", startTime, endTime, exit }
          span.exit = exit
        },
        attribute(key, value) {
          attributes.set(key, value)
        },
        event(name, _startTime, eventAttributes) {
          events.push({ name, attributes: eventAttributes ?? {} })
        },
        addLinks() {}
      }
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}
