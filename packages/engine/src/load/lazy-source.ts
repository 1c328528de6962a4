/**
 * `source` as an own, enumerable property computed on first read, for loaded objects and the models made from them:
 * the positions of a large JSON input are worked out only when a message needs one.
 *
 * Why one shared getter and a private slot: V8 keeps an accessor's getter in the object's hidden class, so a getter
 * closure per object gave every pod, policy and loaded object a hidden class of its own. Every later read of their
 * fields was then megamorphic, and adding a field after the accessor made a fresh transition. The per-object part
 * lives in a private field instead (added to the plain object by a constructor that returns it), which keeps the
 * objects on a few shared hidden classes, costs no `defineProperty`, and stays out of `Object.keys`, spreads, JSON
 * and deep equality.
 */
import type { Location } from '../diagnostics.js';

interface HasSource {
  readonly source: Location;
}

type From = HasSource | (() => Location);

/** A constructor that returns the object it is given, so that a subclass can add its private field to any object. */
class Given {
  constructor(target: object) {
    return target;
  }
}

class Slot extends Given {
  #from: From;

  private constructor(target: object, from: From) {
    super(target);
    this.#from = from;
  }

  static set(target: object, from: From): void {
    if (#from in target) (target as Slot).#from = from;
    else new Slot(target, from);
  }

  static read(target: object): Location {
    // A copy made by copying property descriptors carries the getter but not the slot: say so, not "private member".
    if (!(#from in target)) throw new TypeError('source: this object was copied with its property descriptors; copy it with a spread, which reads `source`');
    const from = (target as Slot).#from;
    return typeof from === 'function' ? from() : from.source;
  }
}

const SOURCE: PropertyDescriptor = {
  get(this: object): Location {
    return Slot.read(this);
  },
  enumerable: true,
  configurable: true,
};

/** Defines `target.source` as `from.source`, read when asked for. Call it where `source` would be written. */
export function sourceFrom<T extends object>(target: T, from: HasSource): T & HasSource {
  Slot.set(target, from);
  Object.defineProperty(target, 'source', SOURCE);
  return target as T & HasSource;
}

/** Defines `target.source` as the value of `compute()`, called on each read. */
export function sourceBy<T extends object>(target: T, compute: () => Location): T & HasSource {
  Slot.set(target, compute);
  Object.defineProperty(target, 'source', SOURCE);
  return target as T & HasSource;
}
