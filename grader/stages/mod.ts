/**
 * The stages of the course, in order.
 *
 * @module
 */
import type { Stage } from "../stage.ts";
import { stage as attention } from "./3_attention.ts";

/** Every stage, by number. */
export const STAGES: readonly Stage[] = [attention];
