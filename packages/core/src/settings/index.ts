export {
  SETTING_DEFINITIONS,
  type SettingCategory,
  type SettingDefinition,
  settingDefinition,
} from './definitions.js';
export { SETTING_CATEGORIES, TenantSetting, type TenantSettingEntity } from './setting.entity.js';
export {
  deleteSetting,
  listSettings,
  revealSetting,
  type SettingAddress,
  type SettingView,
  setSetting,
} from './settings.service.js';
export { SettingsKeyring } from './settings-keyring.js';
