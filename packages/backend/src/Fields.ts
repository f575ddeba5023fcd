/**
 * The field helpers generated schemas are built from, for other packages'
 * generated code (such as `@effect-clerk/auth`'s webhook events) to decode the
 * same way as this package's models.
 *
 * @since 0.1.0
 */
export {
  /**
   * @since 0.1.0
   * @category fields
   */
  constant,
  /**
   * @since 0.1.0
   * @category fields
   */
  JsonObject,
  /**
   * @since 0.1.0
   * @category fields
   */
  nullable,
  /**
   * @since 0.1.0
   * @category fields
   */
  openEnum,
  /**
   * @since 0.1.0
   * @category fields
   */
  optional,
  /**
   * @since 0.1.0
   * @category fields
   */
  optionalNullable,
  /**
   * @since 0.1.0
   * @category fields
   */
  required,
  /**
   * @since 0.1.0
   * @category fields
   */
  unknownVariant,
  /**
   * @since 0.1.0
   * @category fields
   */
  variantField
} from "./internal/fields.js"
