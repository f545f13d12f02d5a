export { SETTING_CATEGORIES, TenantSetting, type TenantSettingEntity } from './setting.entity.js';
